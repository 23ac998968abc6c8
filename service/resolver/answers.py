"""The resolver's own answers (GS1-Conformant Resolver 1.2): a redirect to the link
asked for, or the linkset of every link in force, with CORS on each."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

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
from registry.resolution.verdict import Resolution, stored_links_for
from registry.resolution.verdict_table import verdict_for
from service.i18n import parse_accept_language, request_language
from service.problems import wants_html
from service.resolver.linkset import (
    JSONLD_CONTEXT_LINK,
    LINKSET_MEDIA_TYPE,
    build_linkset,
    linkset_link_header,
)
from service.resolver.page import render_product_page
from service.resolver.scan_request import ScanRequest
from service.resolver.scanning import give_device_cookie, scan_record

ALLOWED_METHODS = "GET, HEAD, OPTIONS"
# GS1-Conformant Resolver 1.2 §4.2: CORS on every answer, so web apps can resolve.
CORS_HEADERS = {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": ALLOWED_METHODS,
    "access-control-allow-headers": "Accept, Accept-Language, Content-Type",
    "access-control-expose-headers": "Link, Location, Content-Language, Content-Type",
}


def answer_item(scan: ScanRequest, session: Session, resolution: Resolution) -> Response:
    request, link, settings = scan.request, scan.link, scan.settings
    if resolution.product is None:
        if scan.counted:
            _record(scan, resolution)
        if wants_html(request) and not scan.wants_linkset:
            return render_product_page(
                request,
                session,
                scan.caches,
                link=link,
                resolution=resolution,
                thresholds=scan.thresholds,
                headers=CORS_HEADERS,
            )
        raise unknown_key(*link.primary)
    language = request_language(request)
    rows = stored_links_for(
        session, scan.caches, gtin_anchor=anchor_path(link, 0), anchors=walk_up_anchors(link)
    )
    if scan.wants_linkset:
        links = resolve_links(
            base=settings.public_base_url,
            link=link,
            rows=rows,
            language=language,
            registry_default_only=resolution.verdict.is_warning,
        )
        description = _item_description(
            resolution, language, window_days=scan.thresholds.window_days
        )
        return _linkset_response(scan, description=description, links=links)
    response = _redirect(
        scan, rows=rows, language=language, registry_default_only=resolution.verdict.is_warning
    )
    if scan.counted:
        # Last: everything before may be run twice (service.resolver.fast_path).
        _record(scan, resolution)
        give_device_cookie(request, response, settings)
    return response


def answer_location(scan: ScanRequest, session: Session, location: Location) -> Response:
    language = request_language(scan.request)
    rows = stored_links(session, anchors=walk_up_anchors(scan.link))
    if scan.wants_linkset:
        links = resolve_links(
            base=scan.settings.public_base_url, link=scan.link, rows=rows, language=language
        )
        return _linkset_response(scan, description=location.name, links=links)
    return _redirect(scan, rows=rows, language=language)


def _record(scan: ScanRequest, resolution: Resolution) -> None:
    scan.recorder.record(
        scan_record(
            scan.request,
            scan.settings,
            link=scan.link,
            verdict=resolution.verdict.value,
            now=scan.at,
        )
    )


def _languages(request: Request, asked: list[str]) -> list[str]:
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


def _linkset_response(scan: ScanRequest, *, description: str, links: LinkSet) -> Response:
    anchor = scan.settings.public_base_url + anchor_path(scan.link)
    body = build_linkset(anchor=anchor, item_description=description, links=links)
    headers = {
        **CORS_HEADERS,
        "link": JSONLD_CONTEXT_LINK,
        "vary": "Accept, Accept-Language",
        "cache-control": "public, max-age=60",
    }
    return JSONResponse(body, media_type=LINKSET_MEDIA_TYPE, headers=headers)


def _redirect(
    scan: ScanRequest,
    *,
    rows: Sequence[ResolverLink],
    language: str,
    registry_default_only: bool = False,
) -> Response:
    link, base = scan.link, scan.settings.public_base_url
    asked = scan.link_type_asked
    curie = None if asked is None else voc.normalize_link_type(asked)
    if asked is not None and curie is None:
        raise unknown_link_type(asked)
    if curie is None or curie in (voc.DEFAULT_LINK, voc.DEFAULT_LINK_MULTI):
        # A plain scan: only the default is needed, not every link in force.
        target = default_link(
            base=base,
            link=link,
            rows=rows,
            language=language,
            registry_default_only=registry_default_only,
        )
    else:
        links = resolve_links(
            base=base,
            link=link,
            rows=rows,
            language=language,
            registry_default_only=registry_default_only,
        )
        chosen = choose_link(
            links.by_type.get(curie, []),
            languages=_languages(scan.request, [v for n, v in link.other_params if n == "lang"]),
            media_type=next((v for n, v in link.other_params if n == "mediaType"), None),
        )
        if chosen is None:
            raise unknown_link_type(asked or "")
        target = chosen
    query = scan.request.scope.get("query_string", b"").decode("ascii")
    linkset_url = f"{base}{anchor_path(link)}?linkType=linkset"
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
