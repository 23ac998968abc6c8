"""The verdict of a scanned code as JSON, for scanner apps and inspectors' tools.

`GET /api/v1/verify?uri=<GS1 Digital Link>`: public, no account. It reads the verdict
the consumer page would show and records nothing, unless the caller says the request
is a scan (`record=1`); then it is stored by the same recorder as a resolver scan.
Include this router ahead of the resolver's catch-all, under no prefix.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, Response

from registry.db import utcnow
from registry.errors import TruyxuatError
from registry.gs1 import DigitalLink, GS1Error, parse_digital_link_lenient
from registry.links.service import resolve_links, stored_links, walk_up_anchors
from registry.resolution.errors import InvalidDigitalLink, invalid_digital_link, unknown_key
from registry.resolution.verdict import Resolution, resolve
from registry.resolution.verdict_table import verdict_for
from registry.scans.recorder import ScanRecorder
from registry.scans.service import Thresholds
from registry.settings import Settings
from registry.verdicts import Verdict
from service.deps import SessionDep, SettingsDep
from service.i18n import request_language
from service.problems import PROBLEM_RESPONSES, problem_response
from service.ratelimit import client_network, network_limits
from service.resolver.lifecycle import scan_recorder
from service.resolver.scanning import scan_record

VERIFY_PATH = "/api/v1/verify"
# A Digital Link with every qualifier and a dozen attributes stays well under this.
MAX_URI_LENGTH = 2048
CORS_HEADERS = {
    "access-control-allow-origin": "*",
    "access-control-expose-headers": "Content-Language, Content-Type",
    "cache-control": "no-store",
}

RecorderDep = Annotated[ScanRecorder, Depends(scan_recorder)]
router = APIRouter(tags=["resolver"], responses=PROBLEM_RESPONSES)


@router.get(VERIFY_PATH)
def verify(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    recorder: RecorderDep,
    uri: Annotated[str, Query(max_length=MAX_URI_LENGTH)],
    record: bool = False,
) -> Response:
    """The verdict for the product, lot or serial a GS1 Digital Link names."""
    try:
        limits = network_limits(request)
        limits.check(limits.verify, client_network(request))
        try:
            link = parse_digital_link_lenient(uri.strip()).link
        except GS1Error as error:
            raise invalid_digital_link(error) from error
        if link.primary[0] != "01":
            raise unknown_key(*link.primary)
        now = utcnow()
        resolution = resolve(
            session,
            link=link,
            recorder=recorder,
            thresholds=Thresholds.of(settings),
            now=now,
            counting_this_scan=record,
        )
        if record:
            recorder.record(
                scan_record(request, settings, link=link, verdict=resolution.verdict.value, now=now)
            )
        links = _links(request, session, settings, resolution, link=link)
        body = verification_body(
            settings, resolution, uri=link.uri(settings.public_base_url), links=links
        )
        return JSONResponse(body, headers=CORS_HEADERS)
    except TruyxuatError as error:
        # An invalid code has a verdict too: the table's plain words, beside the details.
        card = verdict_for(Verdict.invalid) if isinstance(error, InvalidDigitalLink) else None
        extensions = _card_fields(card.as_dict()) if card else None
        return problem_response(request, error, headers=CORS_HEADERS, extensions=extensions)


def _card_fields(card: dict[str, Any]) -> dict[str, Any]:
    """The verdict card as top-level members: `verdict` is its kind."""
    return {"verdict": card.pop("kind"), **card}


def _links(
    request: Request,
    session: Session,
    settings: Settings,
    resolution: Resolution,
    *,
    link: DigitalLink,
) -> dict[str, list[dict[str, Any]]]:
    if resolution.product is None:
        return {}
    chosen = resolve_links(
        base=settings.public_base_url,
        link=link,
        rows=stored_links(session, anchors=walk_up_anchors(link)),
        language=request_language(request),
        registry_default_only=resolution.verdict.is_warning,
    )
    result: dict[str, list[dict[str, Any]]] = {
        "gs1:defaultLink": [{"href": chosen.default.href, "title": chosen.default.title}]
    }
    for link_type, views in sorted(chosen.by_type.items()):
        result[link_type] = [
            {"href": v.href, "title": v.title, "hreflang": v.language, "type": v.media_type}
            for v in views
        ]
    return result


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def verification_body(
    settings: Settings, resolution: Resolution, *, uri: str, links: dict[str, Any]
) -> dict[str, Any]:
    product, lot, recall, activity = (
        resolution.product,
        resolution.lot,
        resolution.recall,
        resolution.activity,
    )
    enterprise = resolution.enterprise
    card = verdict_for(resolution, window_days=settings.suspicious_window_days)
    return {
        "uri": uri,
        **_card_fields(card.as_dict()),
        "gtin": resolution.gtin,
        "product": None
        if product is None
        else {
            "name_vi": product.name_vi,
            "name_en": product.name_en,
            "brand": product.brand,
            "status": product.status.value,
            "producer": None
            if enterprise is None
            else {
                "name": enterprise.trading_name or enterprise.legal_name,
                "tax_code": enterprise.tax_code,
                "address": enterprise.address,
                "status": enterprise.status.value,
            },
        },
        "lot": None
        if resolution.lot_code is None
        else {
            "code": resolution.lot_code,
            "registered": lot is not None,
            "status": lot.status.value if lot is not None else None,
            "production_on": _iso(lot.production_on) if lot is not None else None,
            "expiry_on": _iso(resolution.expiry_on),
        },
        "serial": None
        if resolution.serial is None
        else {
            "value": resolution.serial,
            "status": resolution.serial_status.value if resolution.serial_status else None,
        },
        "recall": None
        if recall is None
        else {
            "reason_vi": recall.reason_vi,
            "reason_en": recall.reason_en,
            "notice_vi": recall.notice_vi,
            "notice_en": recall.notice_en,
            "started_at": _iso(recall.started_at),
        },
        "first_scan_at": _iso(activity.first_scanned_at) if activity else None,
        "scan_count": activity.scan_count if activity else None,
        "consumer_page": links.get("gs1:defaultLink", [{}])[0].get("href"),
        "links": links,
    }
