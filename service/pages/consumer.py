"""The two small forms a consumer may use from the page of a scanned code (which
service.resolver answers): share a coarse place, report a problem.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from registry.db import utcnow
from registry.errors import InvalidInput, RateLimited
from registry.gs1 import DigitalLink, GS1Error, parse_digital_link
from registry.links.service import CONSUMER_PAGE_PREFIX, anchor_path
from registry.places.models import AdminUnit
from registry.places.service import current_provinces
from registry.reports.models import ReportKind
from registry.reports.service import MAX_PHOTO_BYTES, CleanPhoto, clean_photo, submit_report
from registry.resolution.verdict import load_product_and_lot
from registry.scans.device import coarse_coordinate
from registry.scans.recorder import Place, ScanRecorder
from registry.scans.service import attach_place
from registry.settings import Settings
from service.deps import SessionDep, SettingsDep, get_state
from service.i18n import request_language
from service.pages.form_text import refuse_bad_form_text
from service.ratelimit import client_network, network_limits
from service.resolver.lifecycle import scan_recorder
from service.resolver.page import agency_hotline, language_toggle, rate_limited_response
from service.resolver.scanning import request_device_hash
from service.state import AppState
from service.templating import render

RecorderDep = Annotated[ScanRecorder, Depends(scan_recorder)]
PLACE_WINDOW = dt.timedelta(hours=2)
# ConsumerReport.reference: only that shape is echoed on the thank-you page.
REFERENCE = re.compile(r"PA-\d{6,9}")

router = APIRouter(tags=["consumer"], dependencies=[Depends(refuse_bad_form_text)])

REPORT_KINDS = [
    (ReportKind.counterfeit, "Nghi hàng giả, hàng nhái"),
    (ReportKind.not_registered, "Mã không có trong hệ thống"),
    (ReportKind.wrong_information, "Thông tin sai"),
    (ReportKind.quality, "Chất lượng sản phẩm"),
    (ReportKind.expired, "Hàng hết hạn"),
    (ReportKind.other, "Khác"),
]


def _parse_path(path: str, settings: Settings) -> DigitalLink:
    try:
        return parse_digital_link(settings.public_base_url + "/" + path.lstrip("/"))
    except GS1Error as error:
        raise InvalidInput(
            "Mã sản phẩm không hợp lệ.", "Invalid product code.", field="path"
        ) from error


# --- share a coarse place -------------------------------------------------------------


@router.get(f"{CONSUMER_PAGE_PREFIX}/share-place")
def share_place_form(request: Request, session: SessionDep, path: str = "") -> Response:
    lang = request_language(request)
    context = {
        "path": path,
        "provinces": current_provinces(session),
        "toggle_url": language_toggle(request, lang),
    }
    return render(request, "consumer/share_place.html", context)


@router.post(f"{CONSUMER_PAGE_PREFIX}/share-place")
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
    target = f"{CONSUMER_PAGE_PREFIX}{anchor_path(link)}?{urlencode({'lang': lang, 'shared': '1'})}"
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


@router.get(f"{CONSUMER_PAGE_PREFIX}/report")
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
        "toggle_url": language_toggle(request, lang),
        "hotline": agency_hotline(request),
        "back_url": f"{CONSUMER_PAGE_PREFIX}{path}" if path.startswith("/") else "",
    }
    return render(request, "consumer/report.html", context)


def _item_of_path(path: str, settings: Settings) -> tuple[str | None, str | None, str | None]:
    """GTIN, lot and serial of the Digital Link path a report is about, if it names one."""
    try:
        link = _parse_path(path, settings)
    except InvalidInput:
        return None, None, None
    if link.primary[0] != "01":
        return None, None, None
    qualifiers = dict(link.qualifiers)
    return link.primary[1], qualifiers.get("10"), qualifiers.get("21")


@router.post(f"{CONSUMER_PAGE_PREFIX}/report")
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
    return RedirectResponse(f"{CONSUMER_PAGE_PREFIX}/report/sent?{query}", status_code=303)


def _photo_cleaner(state: AppState) -> Callable[[bytes], CleanPhoto]:
    if state.inline_jobs:
        return clean_photo

    def in_a_worker(photo: bytes) -> CleanPhoto:
        return state.workers.run(clean_photo, photo)

    return in_a_worker


@router.get(f"{CONSUMER_PAGE_PREFIX}/report/sent")
def report_sent(request: Request, path: str = "", ref: str = "") -> Response:
    lang = request_language(request)
    context = {
        "reference": ref if REFERENCE.fullmatch(ref) else "",
        "toggle_url": language_toggle(request, lang),
        "hotline": agency_hotline(request),
        "back_url": f"{CONSUMER_PAGE_PREFIX}{path}" if path.startswith("/") else "",
    }
    return render(request, "consumer/report_sent.html", context)
