"""The GS1 Digital Link resolver (GS1-Conformant Resolver 1.2) on the agency's domain.

`/01/{gtin}[/22/..][/10/{lot}][/21/{serial}]` and `/414/{gln}[/254/..]` resolve; other
valid primary keys answer 404. Included last in the app, so its catch-all paths
shadow nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated
from urllib.parse import urlsplit, urlunsplit

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from registry.db import unit_of_work, utcnow
from registry.errors import TruyxuatError
from registry.gs1 import DigitalLink
from registry.gs1.digital_link import FIX_GTIN_ZERO_PADDED
from registry.links import vocabulary as voc
from registry.links.models import ResolverLink
from registry.links.service import (
    LinkSet,
    anchor_path,
    choose_link,
    default_link,
    resolve_links,
    stored_links,
    walk_up_anchors,
)
from registry.locations.models import Location
from registry.resolution.errors import unknown_key, unknown_link_type
from registry.resolution.verdict import (
    Resolution,
    ResolverCaches,
    resolve,
    stored_links_for,
)
from registry.resolution.verdict_table import verdict_for
from registry.scans.recorder import ScanRecorder
from registry.scans.service import Thresholds
from registry.settings import Settings
from service.deps import SettingsDep
from service.i18n import parse_accept_language, request_language
from service.pages.consumer import render_problem_page, render_product_page
from service.pages.consumer import router as consumer_router
from service.problems import problem_response, wants_html
from service.resolver.fast_path import cached_or_database, item_of
from service.resolver.lifecycle import resolver_caches, scan_recorder
from service.resolver.linkset import (
    JSONLD_CONTEXT_LINK,
    LINKSET_MEDIA_TYPE,
    build_linkset,
    linkset_link_header,
)
from service.resolver.request_link import read_request_link
from service.resolver.scanning import give_device_cookie, scan_record

RecorderDep = Annotated[ScanRecorder, Depends(scan_recorder)]
CachesDep = Annotated[ResolverCaches, Depends(resolver_caches)]

ALLOWED_METHODS = "GET, HEAD, OPTIONS"
# GS1-Conformant Resolver 1.2 §4.2: CORS on every answer, so web apps can resolve.
CORS_HEADERS = {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": ALLOWED_METHODS,
    "access-control-allow-headers": "Accept, Accept-Language, Content-Type",
    "access-control-expose-headers": "Link, Location, Content-Language, Content-Type",
}
# GS1-Conformant Resolver 1.2 §2: the primary keys this registry can resolve.
SUPPORTED_PRIMARY_KEYS = ["01", "414"]
LINKSET_REQUESTS = ("linkset", "all")

router = APIRouter(tags=["resolver"])
router.include_router(consumer_router)


@router.get("/.well-known/gs1resolver")
def resolver_description(settings: SettingsDep) -> JSONResponse:
    """The resolver description file (GS1-Conformant Resolver 1.2 §5)."""
    body = {
        "name": "Truy xuất nguồn gốc Đồng Tháp — GS1 Digital Link resolver",
        "resolverRoot": settings.public_base_url,
        "supportedPrimaryKeys": SUPPORTED_PRIMARY_KEYS,
        "supportedLinkType": [
            {"namespace": voc.TERM_BASE, "prefix": voc.CURIE_PREFIX, "profile": voc.TERM_BASE}
        ],
        "linkTypeDefaultCanBeLinkset": False,
        "contact": {
            "fn": "Chi cục Tiêu chuẩn Đo lường Chất lượng tỉnh Đồng Tháp",
            "url": settings.public_base_url,
        },
    }
    return JSONResponse(body, headers={**CORS_HEADERS, "cache-control": "public, max-age=3600"})


@router.options("/{key}/{rest:path}")
def preflight(key: str, rest: str) -> Response:
    """CORS preflight and OPTIONS: which methods the resolver answers."""
    headers = {**CORS_HEADERS, "allow": ALLOWED_METHODS, "access-control-max-age": "86400"}
    return Response(status_code=204, headers=headers)


# One route per method: each needs an operation id of its own in the OpenAPI document.
@router.head("/{key}/{rest:path}")
@router.get("/{key}/{rest:path}")
async def resolve_digital_link(request: Request, key: str, rest: str) -> Response:
    if not key.isdigit():
        raise HTTPException(status_code=404)
    settings: Settings = request.app.state.truyxuat.settings
    recorder = scan_recorder(request)
    caches = resolver_caches(request)
    try:
        result = read_request_link(request, base=settings.public_base_url)
        if FIX_GTIN_ZERO_PADDED in result.fixes:
            # A GTIN-8/12/13 names the same item as its 14-digit form: one canonical URI.
            return RedirectResponse(result.strict_uri, status_code=308, headers=CORS_HEADERS)
        link = result.link
        if link.primary[0] == "01":
            return await cached_or_database(
                request,
                lambda session: _resolve_item(request, session, settings, recorder, caches, link),
                same_item=item_of(link),
            )
        if link.primary[0] == "414":
            return await run_in_threadpool(_resolve_location_in_session, request, settings, link)
        raise unknown_key(*link.primary)
    except TruyxuatError as error:
        if wants_html(request):
            return render_problem_page(request, error, headers=CORS_HEADERS)
        return problem_response(request, error, headers=CORS_HEADERS)


def _resolve_location_in_session(
    request: Request, settings: Settings, link: DigitalLink
) -> Response:
    state = request.app.state.truyxuat
    with unit_of_work(state.read_sessions) as session:
        return _resolve_location(request, session, settings, link)


def _link_type_asked(link: DigitalLink) -> str | None:
    return next((value for name, value in link.other_params if name == "linkType"), None)


def _wants_linkset(request: Request, asked: str | None) -> bool:
    if asked is not None:
        return asked in LINKSET_REQUESTS
    return LINKSET_MEDIA_TYPE in request.headers.get("accept", "")


def _languages(request: Request, link: DigitalLink) -> list[str]:
    asked = [value for name, value in link.other_params if name == "lang"]
    ranked = [
        tag.split("-")[0]
        for tag, _ in parse_accept_language(request.headers.get("accept-language", ""))
    ]
    return [*asked, *ranked, "vi"]


def _with_query(href: str, query: str) -> str:
    """The target with the request's query string passed on (before any fragment)."""
    if not query:
        return href
    parts = urlsplit(href)
    merged = f"{parts.query}&{query}" if parts.query else query
    return urlunsplit((parts.scheme, parts.netloc, parts.path, merged, parts.fragment))


def _linkset_response(
    request: Request, *, anchor: str, description: str, links: LinkSet
) -> Response:
    body = build_linkset(anchor=anchor, item_description=description, links=links)
    headers = {
        **CORS_HEADERS,
        "link": JSONLD_CONTEXT_LINK,
        "vary": "Accept, Accept-Language",
        "cache-control": "public, max-age=60",
    }
    return JSONResponse(body, media_type=LINKSET_MEDIA_TYPE, headers=headers)


def _redirect(
    request: Request,
    settings: Settings,
    *,
    link: DigitalLink,
    rows: Sequence[ResolverLink],
    language: str,
    registry_default_only: bool = False,
) -> Response:
    asked = _link_type_asked(link)
    curie = None if asked is None else voc.normalize_link_type(asked)
    if asked is not None and curie is None:
        raise unknown_link_type(asked)
    if curie is None or curie in (voc.DEFAULT_LINK, voc.DEFAULT_LINK_MULTI):
        # A plain scan: only the default is needed, not every link in force.
        target = default_link(
            base=settings.public_base_url,
            link=link,
            rows=rows,
            language=language,
            registry_default_only=registry_default_only,
        )
    else:
        links = resolve_links(
            base=settings.public_base_url,
            link=link,
            rows=rows,
            language=language,
            registry_default_only=registry_default_only,
        )
        media_type = next((v for n, v in link.other_params if n == "mediaType"), None)
        chosen = choose_link(
            links.by_type.get(curie, []),
            languages=_languages(request, link),
            media_type=media_type,
        )
        if chosen is None:
            raise unknown_link_type(asked or "")
        target = chosen
    query = request.scope.get("query_string", b"").decode("ascii")
    linkset_url = f"{settings.public_base_url}{anchor_path(link)}?linkType=linkset"
    headers = {
        **CORS_HEADERS,
        "link": linkset_link_header(linkset_url),
        "vary": "Accept, Accept-Language",
        # Every scan is counted and the verdict can change: no cached redirects.
        "cache-control": "no-store",
    }
    return RedirectResponse(_with_query(target.href, query), status_code=307, headers=headers)


def _item_description(resolution: Resolution, language: str, *, window_days: int) -> str:
    """The product, the lot as scanned, and the verdict's headline (docs/verdicts.md)."""
    headline = verdict_for(resolution, window_days=window_days).headline.in_language(language)
    product = resolution.product
    if product is None:
        return f"{resolution.gtin}: {headline}"
    name = product.name_en if language == "en" and product.name_en else product.name_vi
    if resolution.lot_code:
        name = f"{name} — {'lot' if language == 'en' else 'lô'} {resolution.lot_code}"
    return f"{name}: {headline}"


def _resolve_item(
    request: Request,
    session: Session,
    settings: Settings,
    recorder: ScanRecorder,
    caches: ResolverCaches,
    link: DigitalLink,
) -> Response:
    now = utcnow()
    asked = _link_type_asked(link)
    linkset = _wants_linkset(request, asked)
    is_scan = request.method == "GET" and not linkset
    resolution = resolve(
        session,
        link=link,
        recorder=recorder,
        thresholds=Thresholds.of(settings),
        now=now,
        counting_this_scan=is_scan,
        caches=caches,
    )
    if resolution.product is None:
        if is_scan:
            _record(request, settings, recorder, link, resolution, now)
        if wants_html(request) and not linkset:
            return render_product_page(
                request,
                session,
                settings,
                recorder,
                caches,
                link=link,
                resolution=resolution,
                headers=CORS_HEADERS,
            )
        raise unknown_key(*link.primary)
    language = request_language(request)
    rows = stored_links_for(
        session, caches, gtin_anchor=anchor_path(link, 0), anchors=walk_up_anchors(link)
    )
    if linkset:
        links = resolve_links(
            base=settings.public_base_url,
            link=link,
            rows=rows,
            language=language,
            registry_default_only=resolution.verdict.is_warning,
        )
        return _linkset_response(
            request,
            anchor=settings.public_base_url + anchor_path(link),
            description=_item_description(
                resolution, language, window_days=settings.suspicious_window_days
            ),
            links=links,
        )
    response = _redirect(
        request,
        settings,
        link=link,
        rows=rows,
        language=language,
        registry_default_only=resolution.verdict.is_warning,
    )
    if is_scan:
        # Last: everything before may be run twice (registry.resolver.fast_path).
        _record(request, settings, recorder, link, resolution, now)
        give_device_cookie(request, response, settings)
    return response


def _record(
    request: Request,
    settings: Settings,
    recorder: ScanRecorder,
    link: DigitalLink,
    resolution: Resolution,
    now: dt.datetime,
) -> None:
    recorder.record(
        scan_record(request, settings, link=link, verdict=resolution.verdict.value, now=now)
    )


def _resolve_location(
    request: Request, session: Session, settings: Settings, link: DigitalLink
) -> Response:
    location = session.scalar(select(Location).where(Location.gln == link.primary[1]))
    if location is None:
        raise unknown_key(*link.primary)
    language = request_language(request)
    rows = stored_links(session, anchors=walk_up_anchors(link))
    if _wants_linkset(request, _link_type_asked(link)):
        links = resolve_links(
            base=settings.public_base_url, link=link, rows=rows, language=language
        )
        return _linkset_response(
            request,
            anchor=settings.public_base_url + anchor_path(link),
            description=location.name,
            links=links,
        )
    return _redirect(request, settings, link=link, rows=rows, language=language)
