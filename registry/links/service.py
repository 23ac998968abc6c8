"""Which links an identifier has, and how enterprises manage their own.

The registry serves its own pages for every registered product (product page,
journey, certificates, recall status, verification): those links are generated here
from the request, never stored. Enterprises add links of their own at product, lot
or serial level, and may choose one of them as the default for that level.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from registry.actor import Actor, not_found, officer_reason
from registry.audit.service import record_change, snapshot
from registry.errors import InvalidInput, NotFound
from registry.gs1 import DigitalLink, GS1Error, parse_digital_link
from registry.links import vocabulary as voc
from registry.links.models import AnchorLevel, ResolverLink
from registry.locations.models import Location
from registry.products.models import Product

LINK_WHAT = ("liên kết", "link")
CONSUMER_PAGE_PREFIX = "/p"
# Link types whose target only the registry may set: consumers must be able to trust them.
RESERVED_LINK_TYPES = frozenset(
    {voc.DEFAULT_LINK, voc.DEFAULT_LINK_MULTI, voc.RECALL_STATUS, voc.VERIFICATION_SERVICE}
)
# RFC 9264 linkset patterns of gs1-linkset-schema.json (href, hreflang, type).
_HREF = re.compile(r"https?://[A-Za-z0-9.\-]+(:\d+)?(/[^\s<>\"]*)?")
_LANGUAGE = re.compile(r"[a-z]{2}(-[A-Z]{2})?")
_MEDIA_TYPE = re.compile(r"[a-z]+/[-+.\w]+")
_AUDITED = ["anchor", "link_type", "href", "title", "language", "media_type", "is_default"]


@dataclass(frozen=True)
class LinkView:
    """One link as the resolver offers it, stored or generated."""

    link_type: str
    href: str
    title: str
    language: str | None = None
    media_type: str | None = None
    level: AnchorLevel = AnchorLevel.product
    anchor: str = ""
    stored: bool = False


@dataclass(frozen=True)
class LinkSet:
    """The links in force for one request: the default and the rest by link type."""

    default: LinkView
    by_type: dict[str, list[LinkView]]


def anchor_path(link: DigitalLink, depth: int | None = None) -> str:
    """`/01/{gtin}[/10/{lot}]...` of a parsed link, cut to its first `depth` qualifiers."""
    return link.key_path(depth)


def walk_up_anchors(link: DigitalLink) -> list[str]:
    """The request's anchor, then each less specific one, down to the primary key."""
    return [anchor_path(link, depth) for depth in range(len(link.qualifiers), -1, -1)]


def level_of(link: DigitalLink) -> AnchorLevel:
    codes = {code for code, _ in link.qualifiers}
    if link.primary[0] == "414":
        return AnchorLevel.location
    if "21" in codes:
        return AnchorLevel.serial
    if "10" in codes:
        return AnchorLevel.lot
    return AnchorLevel.product


def stored_links(session: Session, *, anchors: Sequence[str]) -> list[ResolverLink]:
    """Links stored on any of `anchors` (one indexed query), oldest first."""
    rows = session.scalars(
        select(ResolverLink).where(ResolverLink.anchor.in_(anchors)).order_by(ResolverLink.id)
    )
    return list(rows)


def links_under(session: Session, *, anchor: str) -> list[ResolverLink]:
    """Links on a primary key's anchor and on every anchor below it (its lots, serials)."""
    rows = session.scalars(
        select(ResolverLink)
        .where(
            (ResolverLink.anchor == anchor)
            | (ResolverLink.anchor.startswith(anchor + "/", autoescape=True))
        )
        .order_by(ResolverLink.id)
    )
    return list(rows)


def consumer_page_url(base: str, anchor: str) -> str:
    return f"{base}{CONSUMER_PAGE_PREFIX}{anchor}"


def registry_links(*, base: str, link: DigitalLink) -> list[LinkView]:
    """The registry's own pages for an identified product, lot, serial or location."""
    anchor = anchor_path(link)
    level = level_of(link)
    page = consumer_page_url(base, anchor)
    views: list[LinkView] = []

    def both(link_type: str, view: str, vi: str, en: str) -> None:
        # Sections are chosen with ?view=, not #fragments: a client that appends the
        # query string to the target (as the GS1 suite does) must find the same href.
        for language, title, query in (
            ("vi", vi, f"?view={view}" if view else ""),
            ("en", en, f"?lang=en&view={view}" if view else "?lang=en"),
        ):
            views.append(
                LinkView(link_type, f"{page}{query}", title, language, "text/html", level, anchor)
            )

    if level is AnchorLevel.location:
        both("gs1:locationInfo", "", "Thông tin địa điểm", "Location information")
        return views
    both(voc.PIP, "", "Thông tin sản phẩm", "Product information")
    both(voc.VERIFICATION_SERVICE, "verification", "Xác thực sản phẩm", "Product verification")
    both(voc.CERTIFICATION_INFO, "certificates", "Chứng nhận", "Certificates")
    both(voc.RECALL_STATUS, "recall", "Tình trạng thu hồi", "Recall status")
    if any(code == "10" for code, _ in link.qualifiers):
        both(voc.TRACEABILITY, "journey", "Hành trình lô hàng", "Lot journey")
        lot_class = quote(anchor_path(link, _lot_depth(link)), safe="")
        views.append(
            LinkView(
                voc.EPCIS,
                f"{base}/epcis/events?MATCH_anyEPCClass={base}{lot_class}",
                "Sự kiện EPCIS / EPCIS events",
                None,
                "application/json",
                level,
                anchor,
            )
        )
    return views


def _lot_depth(link: DigitalLink) -> int:
    codes = [code for code, _ in link.qualifiers]
    return codes.index("10") + 1


def registry_default(*, base: str, link: DigitalLink, language: str) -> LinkView:
    title = "Thông tin và xác thực sản phẩm" if language == "vi" else "Product details and check"
    if link.primary[0] == "414":
        title = "Thông tin địa điểm" if language == "vi" else "Location information"
    return LinkView(
        voc.DEFAULT_LINK,
        consumer_page_url(base, anchor_path(link)),
        title,
        level=level_of(link),
        anchor=anchor_path(link),
    )


def as_view(row: ResolverLink) -> LinkView:
    return LinkView(
        row.link_type,
        row.href,
        row.title,
        row.language,
        row.media_type,
        row.level,
        row.anchor,
        stored=True,
    )


def resolve_links(
    *,
    base: str,
    link: DigitalLink,
    rows: Iterable[ResolverLink],
    language: str,
    registry_default_only: bool = False,
) -> LinkSet:
    """Links in force for `link`: per link type, the most specific level's stored links
    win over less specific ones and over the registry's own; the default likewise.

    `registry_default_only` keeps the registry's page as the default whatever the
    enterprise chose: when the verdict is a warning, the consumer must see it.
    """
    rows = list(rows)
    by_type: dict[str, list[LinkView]] = {}
    for view in registry_links(base=base, link=link):
        by_type.setdefault(view.link_type, []).append(view)
    stored: dict[str, list[LinkView]] = {}
    for view in stored_link_views(link=link, rows=rows):
        stored.setdefault(view.link_type, []).append(view)
    by_type.update(stored)
    default = default_link(
        base=base,
        link=link,
        rows=rows,
        language=language,
        registry_default_only=registry_default_only,
    )
    return LinkSet(default=default, by_type=by_type)


def stored_link_views(*, link: DigitalLink, rows: Iterable[ResolverLink]) -> list[LinkView]:
    """The enterprise's links in force for `link`: for each link type, those of the most
    specific level that has any."""
    rank = _anchor_rank(link)
    winning_rank: dict[str, int] = {}
    views = []
    for row in sorted(rows, key=lambda row: (rank.get(row.anchor, len(rank)), row.id)):
        row_rank = rank.get(row.anchor, len(rank))
        if winning_rank.setdefault(row.link_type, row_rank) == row_rank:
            views.append(as_view(row))
    return views


def default_link(
    *,
    base: str,
    link: DigitalLink,
    rows: Iterable[ResolverLink],
    language: str,
    registry_default_only: bool = False,
) -> LinkView:
    """The default link alone (what a plain scan is redirected to): the most specific
    level's stored default, else the registry's page (see `resolve_links`)."""
    if not registry_default_only:
        rank = _anchor_rank(link)
        chosen = min(
            (row for row in rows if row.is_default),
            key=lambda row: (rank.get(row.anchor, len(rank)), row.id),
            default=None,
        )
        if chosen is not None:
            return LinkView(
                voc.DEFAULT_LINK,
                chosen.href,
                chosen.title,
                level=chosen.level,
                anchor=chosen.anchor,
                stored=True,
            )
    return registry_default(base=base, link=link, language=language)


def _anchor_rank(link: DigitalLink) -> dict[str, int]:
    """Most specific anchor first: 0 for the request's own anchor."""
    return {anchor: position for position, anchor in enumerate(walk_up_anchors(link))}


def choose_link(
    candidates: Sequence[LinkView], *, languages: Sequence[str], media_type: str | None
) -> LinkView | None:
    """The candidate that best fits the asked media type and languages (best first)."""
    pool = list(candidates)
    if media_type:
        pool = [view for view in pool if view.media_type == media_type] or pool
    if not pool:
        return None
    for wanted in languages:
        for view in pool:
            if view.language and view.language.split("-")[0] == wanted:
                return view
    neutral = [view for view in pool if view.language is None]
    return (neutral or pool)[0]


# --- enterprise management -------------------------------------------------------


def parse_anchor(value: str, *, base: str) -> DigitalLink:
    """The identifier a link hangs on, from a Digital Link URI or path."""
    text = value.strip()
    uri = text if text.startswith(("http://", "https://")) else base + "/" + text.lstrip("/")
    try:
        link = parse_digital_link(uri)
    except GS1Error as error:
        raise InvalidInput(
            f"Mã định danh không hợp lệ: {error.message_vi}",
            f"Invalid identifier: {error.message_en}",
            field="anchor",
        ) from error
    if link.primary[0] not in ("01", "414"):
        raise InvalidInput(
            "Chỉ gắn được liên kết cho GTIN (01) hoặc GLN (414).",
            "Links can be added to a GTIN (01) or a GLN (414) only.",
            field="anchor",
        )
    return link


def anchor_owner(session: Session, link: DigitalLink) -> int | None:
    """The enterprise that owns the product or location of an anchor, if registered."""
    code, value = link.primary
    if code == "01":
        return session.scalar(select(Product.enterprise_id).where(Product.gtin == value))
    return session.scalar(select(Location.enterprise_id).where(Location.gln == value))


def _unregistered_anchor(link: DigitalLink) -> NotFound:
    code, value = link.primary
    key = f"GTIN {value}" if code == "01" else f"GLN {value}"
    return NotFound(
        f"{key} chưa được đăng ký ở đây (hoặc không thuộc doanh nghiệp của bạn).",
        f"{key} is not registered here (or not by your enterprise).",
        field="anchor",
    )


def _checked_fields(
    *,
    link_type: str,
    href: str,
    title: str,
    language: str | None,
    media_type: str | None,
) -> tuple[str, str, str, str | None, str | None]:
    curie = voc.normalize_link_type(link_type)
    if curie is None:
        raise InvalidInput(
            f"Loại liên kết '{link_type}' không có trong GS1 Web Vocabulary.",
            f"Link type '{link_type}' is not in the GS1 Web Vocabulary.",
            field="link_type",
        )
    if curie in RESERVED_LINK_TYPES:
        raise InvalidInput(
            f"Loại liên kết {curie} do hệ thống quản lý;"
            " hãy dùng is_default để chọn liên kết mặc định.",
            f"Link type {curie} is managed by the registry; use is_default to choose a default.",
            field="link_type",
        )
    href = href.strip()
    if len(href) > 1000 or not _HREF.fullmatch(href):
        raise InvalidInput(
            "Địa chỉ liên kết phải là URL http:// hoặc https:// hợp lệ (tối đa 1000 ký tự).",
            "The link target must be a valid http:// or https:// URL (at most 1000 characters).",
            field="href",
        )
    title = title.strip()
    if not 1 <= len(title) <= 300:
        raise InvalidInput(
            "Tiêu đề liên kết phải có từ 1 đến 300 ký tự.",
            "The link title must have 1 to 300 characters.",
            field="title",
        )
    if language is not None and not _LANGUAGE.fullmatch(language):
        raise InvalidInput(
            "Ngôn ngữ phải là mã hai chữ cái như 'vi' hoặc 'en'.",
            "The language must be a two-letter code such as 'vi' or 'en'.",
            field="language",
        )
    if media_type is not None and not _MEDIA_TYPE.fullmatch(media_type):
        raise InvalidInput(
            "Kiểu nội dung phải có dạng 'text/html'.",
            "The media type must look like 'text/html'.",
            field="media_type",
        )
    return curie, href, title, language, media_type


def _unset_other_defaults(session: Session, *, anchor: str, keep_id: int) -> None:
    session.execute(
        update(ResolverLink)
        .where(ResolverLink.anchor == anchor, ResolverLink.id != keep_id)
        .values(is_default=False)
    )


def create_link(
    session: Session,
    *,
    actor: Actor,
    base: str,
    anchor: str,
    link_type: str,
    href: str,
    title: str,
    language: str | None = None,
    media_type: str | None = None,
    is_default: bool = False,
    reason: str | None = None,
) -> ResolverLink:
    link = parse_anchor(anchor, base=base)
    owner = anchor_owner(session, link)
    if owner is None or not actor.can_see(owner):
        # Another enterprise's key answers exactly as an unregistered one: nothing is leaked.
        raise _unregistered_anchor(link)
    why = officer_reason(actor, enterprise_id=owner, reason=reason)
    curie, href, title, language, media_type = _checked_fields(
        link_type=link_type, href=href, title=title, language=language, media_type=media_type
    )
    row = ResolverLink(
        enterprise_id=owner,
        anchor=anchor_path(link),
        level=level_of(link),
        link_type=curie,
        href=href,
        title=title,
        language=language,
        media_type=media_type,
        is_default=is_default,
    )
    session.add(row)
    session.flush()
    if is_default:
        _unset_other_defaults(session, anchor=row.anchor, keep_id=row.id)
    record_change(
        session,
        actor=actor,
        action="create",
        entity="resolver_link",
        entity_id=row.id,
        enterprise_id=owner,
        after=snapshot(row, _AUDITED),
        reason=why,
    )
    return row


def get_link(session: Session, *, actor: Actor, link_id: int) -> ResolverLink:
    row = session.get(ResolverLink, link_id)
    if row is None:
        raise not_found(LINK_WHAT)
    actor.ensure_sees(row.enterprise_id, what=LINK_WHAT)
    return row


def list_links(
    session: Session, *, actor: Actor, anchor: str | None = None, base: str
) -> list[ResolverLink]:
    query = select(ResolverLink).order_by(ResolverLink.anchor, ResolverLink.id)
    if not actor.is_agency:
        query = query.where(ResolverLink.enterprise_id == actor.enterprise_id)
    if anchor:
        query = query.where(ResolverLink.anchor == anchor_path(parse_anchor(anchor, base=base)))
    return list(session.scalars(query))


def update_link(
    session: Session,
    *,
    actor: Actor,
    link_id: int,
    changes: dict[str, object],
    reason: str | None = None,
) -> ResolverLink:
    row = get_link(session, actor=actor, link_id=link_id)
    why = officer_reason(actor, enterprise_id=row.enterprise_id, reason=reason)
    before = snapshot(row, _AUDITED)

    def changed(name: str, current: str | None) -> str | None:
        value = changes.get(name, current)
        return None if value is None else str(value)

    curie, href, title, language, media_type = _checked_fields(
        link_type=changed("link_type", row.link_type) or "",
        href=changed("href", row.href) or "",
        title=changed("title", row.title) or "",
        language=changed("language", row.language),
        media_type=changed("media_type", row.media_type),
    )
    row.link_type, row.href, row.title = curie, href, title
    row.language, row.media_type = language, media_type
    if "is_default" in changes:
        row.is_default = bool(changes["is_default"])
    session.flush()
    if row.is_default:
        _unset_other_defaults(session, anchor=row.anchor, keep_id=row.id)
    record_change(
        session,
        actor=actor,
        action="update",
        entity="resolver_link",
        entity_id=row.id,
        enterprise_id=row.enterprise_id,
        before=before,
        after=snapshot(row, _AUDITED),
        reason=why,
    )
    return row


def delete_link(session: Session, *, actor: Actor, link_id: int, reason: str | None = None) -> None:
    row = get_link(session, actor=actor, link_id=link_id)
    why = officer_reason(actor, enterprise_id=row.enterprise_id, reason=reason)
    record_change(
        session,
        actor=actor,
        action="delete",
        entity="resolver_link",
        entity_id=row.id,
        enterprise_id=row.enterprise_id,
        before=snapshot(row, _AUDITED),
        reason=why,
    )
    session.delete(row)
    session.flush()
