"""The consumer's page for a scanned code: one verdict, then what the law asks to show.

Plain HTML and one small stylesheet, no JavaScript: it must open fast on any phone.
Also the two small forms a consumer may use: share a coarse place, report a problem.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from registry.db import utcnow
from registry.errors import InvalidInput, RateLimited, TruyxuatError
from registry.gs1 import DigitalLink, GS1Error, parse_digital_link
from registry.gs1.digital_link import FIX_GTIN_ZERO_PADDED
from registry.links.service import LinkView, anchor_path, stored_link_views, walk_up_anchors
from registry.locations.models import Location
from registry.places.models import AdminUnit
from registry.reports.models import ReportKind
from registry.reports.service import MAX_PHOTO_BYTES, CleanPhoto, clean_photo, submit_report
from registry.resolution.details import page_details
from registry.resolution.errors import InvalidDigitalLink, unknown_key
from registry.resolution.verdict import (
    Resolution,
    ResolverCaches,
    load_product_and_lot,
    resolve,
    stored_links_for,
)
from registry.resolution.verdict_table import VerdictCard, verdict_for
from registry.scans.device import coarse_coordinate
from registry.scans.recorder import Place, ScanRecorder
from registry.scans.service import Thresholds, attach_place
from registry.settings import Settings
from registry.verdicts import Verdict
from service.deps import SessionDep, SettingsDep, get_state
from service.i18n import request_language
from service.pages.form_text import refuse_bad_form_text
from service.problems import problem_response, wants_html
from service.ratelimit import client_network, network_limits
from service.resolver.fast_path import cached_or_database, item_of
from service.resolver.lifecycle import resolver_caches, scan_recorder
from service.resolver.request_link import read_request_link
from service.resolver.scanning import request_device_hash
from service.state import AppState
from service.templating import render, render_fragment

RecorderDep = Annotated[ScanRecorder, Depends(scan_recorder)]
CachesDep = Annotated[ResolverCaches, Depends(resolver_caches)]
PAGE_PREFIX = "/p"
# A verdict may change (a recall, a copied label): browsers and proxies keep the
# page one minute at most, then revalidate with the ETag.
PAGE_CACHE_CONTROL = "public, max-age=60, must-revalidate"
PLACE_WINDOW = dt.timedelta(hours=2)
# ConsumerReport.reference: only that shape is echoed on the thank-you page.
REFERENCE = re.compile(r"PA-\d{6,9}")
# The sections of consumer/_sections.html; ?view= names one to put first. The GS1 link
# types' own pages use "verification" and "recall", which show the verdict first.
PAGE_SECTIONS = frozenset(
    {"product", "recall", "warnings", "producer", "certificates", "journey", "links"}
)

router = APIRouter(tags=["consumer"], dependencies=[Depends(refuse_bad_form_text)])

REPORT_KINDS = [
    (ReportKind.counterfeit, "Nghi hàng giả, hàng nhái"),
    (ReportKind.not_registered, "Mã không có trong hệ thống"),
    (ReportKind.wrong_information, "Thông tin sai"),
    (ReportKind.quality, "Chất lượng sản phẩm"),
    (ReportKind.expired, "Hàng hết hạn"),
    (ReportKind.other, "Khác"),
]


def _language_toggle(request: Request, lang: str) -> str:
    other = "en" if lang == "vi" else "vi"
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
        "report_url": f"{PAGE_PREFIX}/report?{query}",
        "place_url": f"{PAGE_PREFIX}/share-place?{query}",
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
    report_url: str
    place_url: str
    sections: Markup

    def context(self) -> dict[str, Any]:
        return {field: getattr(self, field) for field in self.__slots__}


def render_product_page(
    request: Request,
    session: Session,
    settings: Settings,
    recorder: ScanRecorder,
    caches: ResolverCaches | None,
    *,
    link: DigitalLink,
    resolution: Resolution | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if resolution is None:
        resolution = resolve(
            session,
            link=link,
            recorder=recorder,
            thresholds=Thresholds.of(settings),
            now=utcnow(),
            caches=caches,
        )
    lang = request_language(request)
    product = resolution.product
    links = _page_links(request, link)
    view = PageView(
        gtin=resolution.gtin,
        lang=lang,
        card=verdict_for(resolution, window_days=settings.suspicious_window_days),
        title=(product.name_en if lang == "en" and product.name_en else product.name_vi)
        if product
        else None,
        has_product=product is not None,
        serial=resolution.serial,
        shared=request.query_params.get("shared") == "1",
        toggle_url=_language_toggle(request, lang),
        report_url=links["report_url"],
        place_url=links["place_url"],
        sections=page_sections(
            session,
            caches,
            link=link,
            resolution=resolution,
            lang=lang,
            view=_section_view(request),
        ),
    )
    if caches is None:
        body, etag = _page_body(view)
    else:
        body, etag = caches.page_bodies.get(view) or caches.page_bodies.put(view, _page_body(view))
    # GS1-Conformant Resolver 1.2 §4.3: a valid key the registry does not hold is a 404.
    status = 404 if product is None else 200
    return _page_response(request, body, etag, status=status, lang=lang, headers=headers)


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
        headers={**(headers or {}), **caching, "content-language": lang},
    )


def _section_view(request: Request) -> str:
    """The section asked to come first (?view=), if it is one."""
    view = request.query_params.get("view", "")
    return view if view in PAGE_SECTIONS else ""


def page_sections(
    session: Session,
    caches: ResolverCaches | None,
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
        details = (
            caches.details.get_or_load(
                (resolution.gtin, resolution.lot_code),
                session,
                lambda s: page_details(s, resolution),
            )
            if caches
            else page_details(session, resolution)
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

    if caches is None:
        return Markup(render_sections(session))
    return Markup(caches.pages.get_or_load(key, session, render_sections))


def render_problem_page(
    request: Request, error: TruyxuatError, *, headers: dict[str, str] | None = None
) -> Response:
    lang = request_language(request)
    raw = request.scope.get("raw_path") or b""
    context = {
        "error": error,
        "status": error.status,
        "card": verdict_for(Verdict.invalid if error.status == 400 else Verdict.not_registered),
        "toggle_url": _language_toggle(request, lang),
        "report_url": f"{PAGE_PREFIX}/report?"
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
    context = {"error": error, "toggle_url": _language_toggle(request, lang)}
    headers |= {"retry-after": str(error.retry_after), "vary": "Accept-Language, Cookie"}
    return render(request, "consumer/busy.html", context, status_code=error.status, headers=headers)


def render_location_page(request: Request, session: Session, *, link: DigitalLink) -> Response:
    location = session.scalar(select(Location).where(Location.gln == link.primary[1]))
    if location is None:
        raise unknown_key(*link.primary)
    lang = request_language(request)
    ward = session.get(AdminUnit, location.ward_code) if location.ward_code else None
    province = session.get(AdminUnit, ward.parent_code) if ward and ward.parent_code else None
    context = {
        "location": location,
        "ward": ward,
        "province": province,
        "toggle_url": _language_toggle(request, lang),
    }
    body = render_fragment("consumer/location.html", context, lang=lang).encode()
    return _page_response(request, body, _etag(body), lang=lang)


def _parse_path(path: str, settings: Settings) -> DigitalLink:
    try:
        return parse_digital_link(settings.public_base_url + "/" + path.lstrip("/"))
    except GS1Error as error:
        raise InvalidInput(
            "Mã sản phẩm không hợp lệ.", "Invalid product code.", field="path"
        ) from error


# --- share a coarse place -------------------------------------------------------------


def _provinces(session: Session) -> list[AdminUnit]:
    return list(
        session.scalars(
            select(AdminUnit)
            .where(
                AdminUnit.level.in_(("province", "municipality")), AdminUnit.valid_until.is_(None)
            )
            .order_by(AdminUnit.search_name)
        )
    )


@router.get(f"{PAGE_PREFIX}/share-place")
def share_place_form(request: Request, session: SessionDep, path: str = "") -> Response:
    lang = request_language(request)
    context = {
        "path": path,
        "provinces": _provinces(session),
        "toggle_url": _language_toggle(request, lang),
    }
    return render(request, "consumer/share_place.html", context)


@router.post(f"{PAGE_PREFIX}/share-place")
def share_place(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    recorder: RecorderDep,
    path: Annotated[str, Form()],
    province_code: Annotated[str, Form()] = "",
    latitude: Annotated[str, Form()] = "",
    longitude: Annotated[str, Form()] = "",
) -> Response:
    link = _parse_path(path, settings)
    place = _place_from_form(session, province_code, latitude, longitude)
    qualifiers = dict(link.qualifiers)
    now = utcnow()
    attach_place(
        session,
        recorder,
        gtin=link.primary[1],
        lot=qualifiers.get("10"),
        serial=qualifiers.get("21"),
        device_hash=request_device_hash(request, settings, now=now),
        place=place,
        since=now - PLACE_WINDOW,
    )
    lang = request_language(request)
    target = f"{PAGE_PREFIX}{anchor_path(link)}?{urlencode({'lang': lang, 'shared': '1'})}"
    return RedirectResponse(target, status_code=303)


def _place_from_form(session: Session, province_code: str, latitude: str, longitude: str) -> Place:
    if province_code:
        unit = session.get(AdminUnit, province_code)
        if unit is None or unit.level not in ("province", "municipality"):
            raise InvalidInput(
                "Hãy chọn tỉnh, thành phố.", "Choose a province.", field="province_code"
            )
        return Place(province_code=unit.code)
    try:
        lat, lon = float(latitude), float(longitude)
    except ValueError as error:
        raise InvalidInput(
            "Hãy chọn tỉnh, thành phố hoặc nhập vĩ độ, kinh độ.",
            "Choose a province or enter a latitude and longitude.",
            field="province_code",
        ) from error
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput(
            "Vĩ độ, kinh độ không hợp lệ.", "Invalid latitude or longitude.", field="latitude"
        )
    return Place(latitude=coarse_coordinate(lat), longitude=coarse_coordinate(lon))


# --- report a problem -----------------------------------------------------------------


@router.get(f"{PAGE_PREFIX}/report")
def report_form(
    request: Request, session: SessionDep, settings: SettingsDep, path: str = "", verdict: str = ""
) -> Response:
    lang = request_language(request)
    gtin, lot, serial = _item_of_path(path, settings)
    product = load_product_and_lot(session, gtin=gtin, lot_code=None)[0] if gtin else None
    context = {
        "path": path[:500],
        "verdict": verdict[:24],
        "product_name": (product.name_en if lang == "en" and product.name_en else product.name_vi)
        if product
        else None,
        "gtin": (product.gtin13 or gtin) if product else gtin,
        "lot": lot,
        "serial": serial,
        "kinds": REPORT_KINDS,
        "max_mb": MAX_PHOTO_BYTES // (1024 * 1024),
        "toggle_url": _language_toggle(request, lang),
        "back_url": f"{PAGE_PREFIX}{path}" if path.startswith("/") else "",
    }
    return render(request, "consumer/report.html", context)


def _item_of_path(path: str, settings: Settings) -> tuple[str | None, str | None, str | None]:
    """GTIN, lot and serial of the Digital Link path a report is about, if it names one."""
    try:
        link = parse_digital_link(settings.public_base_url + "/" + path.lstrip("/"))
    except GS1Error:
        return None, None, None
    if link.primary[0] != "01":
        return None, None, None
    qualifiers = dict(link.qualifiers)
    return link.primary[1], qualifiers.get("10"), qualifiers.get("21")


@router.post(f"{PAGE_PREFIX}/report")
def send_report(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    kind: Annotated[str, Form()],
    message: Annotated[str, Form()],
    path: Annotated[str, Form()] = "",
    verdict: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
    purchase_place: Annotated[str, Form()] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    limits = network_limits(request)
    try:
        limits.check(limits.reports, client_network(request))
    except RateLimited as refused:
        return rate_limited_response(request, refused)
    now = utcnow()
    device = request_device_hash(request, settings, now=now)
    photo_bytes = None
    if photo is not None and photo.filename:
        # A plain handler: the photo is read and cleaned in a worker thread.
        photo_bytes = photo.file.read(MAX_PHOTO_BYTES + 1)
    gtin, lot, serial = _item_of_path(path, settings)
    report = submit_report(
        session,
        kind=kind,
        message=message,
        device_hash=device,
        gtin=gtin,
        lot=lot,
        serial=serial,
        scanned_path=path,
        verdict=verdict or None,
        contact=contact,
        purchase_place=purchase_place,
        photo=photo_bytes or None,
        clean=_photo_cleaner(get_state(request)),
    )
    lang = request_language(request)
    query = urlencode({"lang": lang, "ref": report.reference, "path": path})
    return RedirectResponse(f"{PAGE_PREFIX}/report/sent?{query}", status_code=303)


def _photo_cleaner(state: AppState) -> Callable[[bytes], CleanPhoto]:
    if state.inline_jobs:
        return clean_photo

    def in_a_worker(photo: bytes) -> CleanPhoto:
        return state.workers.run(clean_photo, photo)

    return in_a_worker


@router.get(f"{PAGE_PREFIX}/report/sent")
def report_sent(request: Request, path: str = "", ref: str = "") -> Response:
    lang = request_language(request)
    context = {
        "reference": ref if REFERENCE.fullmatch(ref) else "",
        "toggle_url": _language_toggle(request, lang),
        "back_url": f"{PAGE_PREFIX}{path}" if path.startswith("/") else "",
    }
    return render(request, "consumer/report_sent.html", context)


# --- the page itself ------------------------------------------------------------------


# One route per method: each needs an operation id of its own in the OpenAPI document.
@router.head(f"{PAGE_PREFIX}/{{rest:path}}")
@router.get(f"{PAGE_PREFIX}/{{rest:path}}")
async def consumer_page(request: Request, rest: str) -> Response:
    settings: Settings = request.app.state.truyxuat.settings
    recorder = scan_recorder(request)
    caches = resolver_caches(request)
    try:
        result = read_request_link(request, base=settings.public_base_url, strip_prefix=PAGE_PREFIX)
        if FIX_GTIN_ZERO_PADDED in result.fixes:
            strict = result.strict_uri.removeprefix(settings.public_base_url)
            return RedirectResponse(PAGE_PREFIX + strict, status_code=308)
        link = result.link
        if link.primary[0] == "01":
            return await cached_or_database(
                request,
                lambda session: render_product_page(
                    request, session, settings, recorder, caches, link=link
                ),
                same_item=item_of(link),
            )
        if link.primary[0] == "414":
            return await cached_or_database(
                request, lambda session: render_location_page(request, session, link=link)
            )
        raise unknown_key(*link.primary)
    except TruyxuatError as error:
        if isinstance(error, InvalidDigitalLink) or error.status == 404:
            return render_problem_page(request, error)
        raise
