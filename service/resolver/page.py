"""The consumer's page for a scanned code: one verdict, then what the law asks to show.

Plain HTML and one small stylesheet, no JavaScript: it must open fast on any phone.
The scan path (service.resolver.router) answers `/p/01/…` and `/p/414/…` with it, and
a browser asking the resolver for a code the registry does not hold.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from registry.db import utcnow
from registry.errors import RateLimited, TruyxuatError
from registry.gs1 import DigitalLink
from registry.links.service import (
    CONSUMER_PAGE_PREFIX,
    LinkView,
    anchor_path,
    stored_link_views,
    walk_up_anchors,
)
from registry.locations.models import Location
from registry.places.models import AdminUnit
from registry.products.models import Product
from registry.resolution.details import page_details
from registry.resolution.verdict import Resolution, ResolverCaches, stored_links_for
from registry.resolution.verdict_table import VerdictCard, verdict_for
from registry.scans.service import Thresholds
from registry.verdicts import Verdict
from service.i18n import (
    EXPORT_PAGE_LANGUAGES,
    LANGUAGE_NAMES,
    language_tag,
    page_language,
    request_language,
)
from service.problems import problem_response, wants_html
from service.templating import render, render_fragment

# A verdict may change (a recall, a copied label): browsers and proxies keep the
# page one minute at most, then revalidate with the ETag.
PAGE_CACHE_CONTROL = "public, max-age=60, must-revalidate"
# The sections of consumer/_sections.html; ?view= names one to put first. The GS1 link
# types' own pages use "verification" and "recall", which show the verdict first.
PAGE_SECTIONS = frozenset(
    {"product", "recall", "warnings", "producer", "certificates", "journey", "links"}
)


def language_toggle(request: Request, lang: str, other: str | None = None) -> str:
    """This page in the other language (vi <-> en), or in `other`."""
    other = other or ("en" if lang == "vi" else "vi")
    # The path as sent: a value's %2F must stay encoded in the link.
    raw_path = request.scope.get("raw_path")
    path = raw_path.decode("ascii", "replace") if raw_path else quote(request.url.path)
    if not request.scope.get("query_string"):
        # Most scans carry no query: skip parsing and re-encoding one.
        return f"{path}?lang={other}"
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{path}?{urlencode([*params, ('lang', other)])}"


def _page_links(request: Request, link: DigitalLink) -> dict[str, str]:
    path = anchor_path(link)
    lang = request_language(request)
    # The path is a Digital Link path, already percent-encoded: "/" may stay in a query
    # (RFC 3986 §3.4), "%" must be encoded again to survive the round trip.
    query = f"path={quote(path, safe='/')}&lang={lang}"
    return {
        "report_url": f"{CONSUMER_PAGE_PREFIX}/report?{query}",
        "place_url": f"{CONSUMER_PAGE_PREFIX}/share-place?{query}",
        "dl_path": path,
    }


@dataclass(frozen=True, slots=True)
class PageView:
    """Everything consumer/product.html shows, and nothing else: the page is a pure
    function of it, so requests with the same view share one rendering and ETag."""

    gtin: str  # first: ResolverCaches.forget_gtin finds the page by it
    lang: str
    card: VerdictCard
    title: str | None
    has_product: bool
    serial: str | None
    shared: bool
    toggle_url: str
    other_languages: tuple[tuple[str, str, str], ...]
    """(BCP 47 tag, name, URL) of each other language the page is offered in."""
    report_url: str
    place_url: str
    hotline: str
    sections: Markup

    def context(self) -> dict[str, Any]:
        return {field: getattr(self, field) for field in self.__slots__}


def render_product_page(
    request: Request,
    session: Session,
    caches: ResolverCaches,
    *,
    link: DigitalLink,
    resolution: Resolution,
    thresholds: Thresholds,
    headers: dict[str, str] | None = None,
) -> Response:
    product = resolution.product
    chinese = offers_chinese(resolution)
    lang = page_language(request, offers_chinese=chinese)
    links = _page_links(request, link)
    view = PageView(
        gtin=resolution.gtin,
        lang=lang,
        card=verdict_for(resolution, window_days=thresholds.window_days),
        title=product_name(product, lang) if product else None,
        has_product=product is not None,
        serial=resolution.serial,
        shared=request.query_params.get("shared") == "1",
        toggle_url=language_toggle(request, lang),
        other_languages=tuple(
            (language_tag(other), LANGUAGE_NAMES[other], language_toggle(request, lang, other))
            for other in EXPORT_PAGE_LANGUAGES
            if other != lang
        )
        if chinese
        else (),
        report_url=links["report_url"],
        place_url=links["place_url"],
        hotline=agency_hotline(request),
        sections=page_sections(
            session,
            caches,
            link=link,
            resolution=resolution,
            lang=lang,
            view=_section_view(request),
        ),
    )
    body, etag = caches.page_bodies.get(view) or caches.page_bodies.put(view, _page_body(view))
    # GS1-Conformant Resolver 1.2 §4.3: a valid key the registry does not hold is a 404.
    status = 404 if product is None else 200
    return _page_response(request, body, etag, status=status, lang=lang, headers=headers)


def offers_chinese(resolution: Resolution) -> bool:
    """The page of a lot exported to China, or of a product named in Chinese, speaks Chinese."""
    lot, product = resolution.lot, resolution.product
    return bool(
        (lot is not None and lot.export_market == "CN") or (product is not None and product.name_zh)
    )


def product_name(product: Product, lang: str) -> str:
    """The product's name in the page's language, else in English, else in Vietnamese."""
    if lang == "zh" and product.name_zh:
        return product.name_zh
    if lang in ("en", "zh") and product.name_en:
        return product.name_en
    return product.name_vi


def _page_body(view: PageView) -> tuple[bytes, str]:
    body = render_fragment("consumer/product.html", view.context(), lang=view.lang).encode()
    return body, _etag(body)


def _etag(body: bytes) -> str:
    return f'W/"{hashlib.sha256(body).hexdigest()[:20]}"'


def _page_response(
    request: Request,
    body: bytes,
    etag: str,
    *,
    status: int = 200,
    lang: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """The page with its ETag; a matching If-None-Match gets 304 without a body."""
    caching = {"etag": etag, "cache-control": PAGE_CACHE_CONTROL, "vary": "Accept-Language, Cookie"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=caching)
    return Response(
        body,
        status_code=status,
        media_type="text/html",
        headers={**(headers or {}), **caching, "content-language": language_tag(lang)},
    )


def _section_view(request: Request) -> str:
    """The section asked to come first (?view=), if it is one."""
    view = request.query_params.get("view", "")
    return view if view in PAGE_SECTIONS else ""


def page_sections(
    session: Session,
    caches: ResolverCaches,
    *,
    link: DigitalLink,
    resolution: Resolution,
    lang: str,
    view: str,
) -> Markup:
    """The product, producer, certificate, journey and link sections: the same for
    every serial of a lot, so a lot's scans share one rendering for the caches' TTL."""
    enterprise_links: tuple[LinkView, ...] = ()
    if resolution.product is not None:
        rows = stored_links_for(
            session, caches, gtin_anchor=anchor_path(link, 0), anchors=walk_up_anchors(link)
        )
        enterprise_links = tuple(stored_link_views(link=link, rows=rows))
    today = utcnow().date()
    recall = resolution.recall
    key = (
        resolution.gtin,
        resolution.lot_code,
        "sections",
        lang,
        view,
        today,
        resolution.product is not None,
        resolution.expiry_on,
        recall.id if recall is not None else None,
        enterprise_links,
    )

    def render_sections(session: Session) -> str:
        details = caches.details.get_or_load(
            (resolution.gtin, resolution.lot_code), session, lambda s: page_details(s, resolution)
        )
        context = {
            "r": resolution,
            "product": resolution.product,
            "enterprise": resolution.enterprise,
            "lot": resolution.lot,
            "details": details,
            "enterprise_links": enterprise_links,
            "today": today,
            "view": view,
        }
        return render_fragment("consumer/_sections.html", context, lang=lang)

    return Markup(caches.pages.get_or_load(key, session, render_sections))


def agency_hotline(request: Request) -> str:
    hotline: str = request.app.state.truyxuat.settings.agency_hotline
    return hotline


def render_problem_page(
    request: Request, error: TruyxuatError, *, headers: dict[str, str] | None = None
) -> Response:
    lang = request_language(request)
    raw = request.scope.get("raw_path") or b""
    context = {
        "error": error,
        "status": error.status,
        "card": verdict_for(Verdict.invalid if error.status == 400 else Verdict.not_registered),
        "toggle_url": language_toggle(request, lang),
        "hotline": agency_hotline(request),
        "report_url": f"{CONSUMER_PAGE_PREFIX}/report?"
        + urlencode({"path": raw.decode("ascii", "replace")[:500], "lang": lang}),
    }
    # The language comes from ?lang=, the lang cookie or Accept-Language.
    headers = {**(headers or {}), "vary": "Accept-Language, Cookie"}
    return render(
        request, "consumer/problem.html", context, status_code=error.status, headers=headers
    )


def rate_limited_response(
    request: Request, error: RateLimited, *, headers: dict[str, str] | None = None
) -> Response:
    """Over a per-network limit: a page that asks a person to wait, or problem JSON
    (both with Retry-After)."""
    headers = {**(headers or {}), "cache-control": "no-store"}
    if not wants_html(request):
        return problem_response(request, error, headers=headers)
    lang = request_language(request)
    context = {"error": error, "toggle_url": language_toggle(request, lang)}
    headers |= {"retry-after": str(error.retry_after), "vary": "Accept-Language, Cookie"}
    return render(request, "consumer/busy.html", context, status_code=error.status, headers=headers)


def render_location_page(request: Request, session: Session, *, location: Location) -> Response:
    lang = request_language(request)
    ward = session.get(AdminUnit, location.ward_code) if location.ward_code else None
    province = session.get(AdminUnit, ward.parent_code) if ward and ward.parent_code else None
    context = {
        "location": location,
        "ward": ward,
        "province": province,
        "toggle_url": language_toggle(request, lang),
    }
    body = render_fragment("consumer/location.html", context, lang=lang).encode()
    return _page_response(request, body, _etag(body), lang=lang)
