"""The one way in for every scan (GS1-Conformant Resolver 1.2 on the agency's domain).

`/01/{gtin}[/22/..][/10/{lot}][/21/{serial}]` and `/414/{gln}[/254/..]` resolve to a
redirect or a linkset; the same paths under CONSUMER_PAGE_PREFIX (`/p/01/…`) answer
with the consumer's page. Both read the request target once, send a GTIN written short
to its 14-digit URI and look the key up the same way; other valid primary keys answer
404. Included last in the app, so its catch-all paths shadow nothing else.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from registry.errors import TruyxuatError
from registry.gs1 import GS1Error
from registry.gs1.compression import COMPRESSED_SEGMENT, uncompressed
from registry.gs1.digital_link import FIX_GTIN_ZERO_PADDED
from registry.links import vocabulary as voc
from registry.links.service import CONSUMER_PAGE_PREFIX
from registry.locations.service import find_by_gln
from registry.resolution.errors import invalid_digital_link, unknown_key
from registry.resolution.verdict import resolve
from service.deps import SettingsDep
from service.problems import problem_response, wants_html
from service.resolver.answers import (
    ALLOWED_METHODS,
    CORS_HEADERS,
    answer_item,
    answer_location,
)
from service.resolver.fast_path import cached_or_database, item_of
from service.resolver.linkset import JSONLD_CONTEXT as LINKSET_JSONLD_CONTEXT
from service.resolver.page import render_location_page, render_problem_page, render_product_page
from service.resolver.request_link import read_request_link
from service.resolver.scan_request import ScanRequest

# GS1-Conformant Resolver 1.2 §2: the primary keys this registry can resolve.
SUPPORTED_PRIMARY_KEYS = ["01", "414"]

router = APIRouter(tags=["resolver"])


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
        # The context that reads this resolver's linksets as JSON-LD (also sent in their
        # Link header).
        "jsonLdContextLocation": LINKSET_JSONLD_CONTEXT,
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
# The page's routes come first: the resolver's would take `/p/…` too.
@router.head(f"{CONSUMER_PAGE_PREFIX}/{{rest:path}}")
@router.get(f"{CONSUMER_PAGE_PREFIX}/{{rest:path}}")
async def consumer_page(request: Request, rest: str) -> Response:
    return await answer_scan(request, on_page=True)


@router.head("/{key}/{rest:path}")
@router.get("/{key}/{rest:path}")
async def resolve_digital_link(request: Request, key: str, rest: str) -> Response:
    if not key.isdigit():
        raise HTTPException(status_code=404)
    return await answer_scan(request, on_page=False)


@router.head("/{segment}")
@router.get("/{segment}")
async def compressed_digital_link(request: Request, segment: str) -> Response:
    """A compressed Digital Link (GS1 Digital Link 1.1 §8; a SHALL of the resolver
    standard) is sent on to its uncompressed form, which resolves as any other."""
    if not COMPRESSED_SEGMENT.fullmatch(segment):
        raise HTTPException(status_code=404)
    base = request.app.state.truyxuat.settings.public_base_url
    query = f"?{request.url.query}" if request.url.query else ""
    try:
        link = uncompressed(f"{base}/{segment}{query}")
    except GS1Error as error:
        problem = invalid_digital_link(error)
        if wants_html(request):
            return render_problem_page(request, problem, headers=CORS_HEADERS)
        return problem_response(request, problem, headers=CORS_HEADERS)
    if link is None:
        raise HTTPException(status_code=404)
    return RedirectResponse(link, status_code=307, headers=CORS_HEADERS)


async def answer_scan(request: Request, *, on_page: bool) -> Response:
    settings = request.app.state.truyxuat.settings
    prefix, headers = (CONSUMER_PAGE_PREFIX, {}) if on_page else ("", CORS_HEADERS)
    try:
        result = read_request_link(request, base=settings.public_base_url, strip_prefix=prefix)
        if FIX_GTIN_ZERO_PADDED in result.fixes:
            # A GTIN-8/12/13 names the same item as its 14-digit form: one canonical URI.
            canonical = result.link.uri(
                settings.public_base_url + prefix, include_other_params=True
            )
            return RedirectResponse(canonical, status_code=308, headers=headers)
        scan = ScanRequest.of(request, result.link, on_page=on_page)
        key = scan.link.primary[0]
        if key == "01":
            return await cached_or_database(
                request, lambda session: _answer_item(scan, session), same_item=item_of(scan.link)
            )
        if key == "414":
            return await cached_or_database(
                request, lambda session: _answer_location(scan, session)
            )
        raise unknown_key(*scan.link.primary)
    except TruyxuatError as error:
        if on_page or wants_html(request):
            return render_problem_page(request, error, headers=headers)
        return problem_response(request, error, headers=headers)


def _answer_item(scan: ScanRequest, session: Session) -> Response:
    resolution = resolve(
        session,
        link=scan.link,
        recorder=scan.recorder,
        thresholds=scan.thresholds,
        now=scan.at,
        counting_this_scan=scan.counted,
        caches=scan.caches,
    )
    if scan.on_page:
        return render_product_page(
            scan.request,
            session,
            scan.caches,
            link=scan.link,
            resolution=resolution,
            thresholds=scan.thresholds,
        )
    return answer_item(scan, session, resolution)


def _answer_location(scan: ScanRequest, session: Session) -> Response:
    location = find_by_gln(session, scan.link.primary[1])
    if location is None:
        raise unknown_key(*scan.link.primary)
    if scan.on_page:
        return render_location_page(scan.request, session, location=location)
    return answer_location(scan, session, location)
