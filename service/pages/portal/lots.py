"""Lots: create one, record its steps (harvest, pack, ship, receive, inspect), see its journey."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from registry.enterprises.policy import Deed, ensure_allows
from registry.errors import InvalidInput, TruyxuatError
from registry.events.flags import flagged_event_pks
from registry.events.steps import Party, party_from
from registry.gs1 import GS1Error, parse_gln
from registry.locations.models import Location
from registry.locations.service import get_location, list_locations
from registry.lots.models import Lot
from registry.lots.service import create_lot, get_lot, list_lots
from registry.market_codes.guard import ExportGuardRefused, keep_refusal
from registry.market_codes.service import check_export_lot
from registry.markets import MARKET_NAMES_VI
from registry.products.service import get_product, list_products
from registry.text import format_quantity, parse_quantity
from registry.units import COMMON_UNITS
from service.deps import SessionDep
from service.i18n import request_language
from service.pages.portal.common import (
    FormDep,
    Portal,
    PortalDep,
    field_errors,
    flash,
    form_values,
    optional,
    page,
    parse_date,
    refuse_control_characters,
    see_other,
)
from service.pages.portal.steps import (
    STEP_NAMES,
    STEPS,
    VIETNAM_ZONE,
    StepInput,
    journey,
    record_step,
)

router = APIRouter(prefix="/portal/lots")
LOT_FIELDS = [
    "product_id",
    "code",
    "production_on",
    "expiry_on",
    "best_before_on",
    "quantity",
    "unit",
    "origin_location_id",
    "export_market",
    "packhouse_location_id",
]
STEP_FIELDS = [
    "event_time",
    "location_id",
    "quantity",
    "unit",
    "other_gln",
    "output_lot_id",
    "output_quantity",
    "result",
    "buyer_name",
    "buyer_phone",
    "buyer_address",
    "seller_name",
    "seller_phone",
    "seller_address",
]


def _choice_id(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _lot_form(
    request: Request,
    session: Session,
    portal: Portal,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "portal/lot_form.html",
        {
            "values": values,
            "errors": errors,
            "products": list_products(session, actor=portal.actor, per_page=200).items,
            "locations": list_locations(session, actor=portal.actor, per_page=200).items,
            "units": COMMON_UNITS,
            "markets": MARKET_NAMES_VI,
        },
        portal=portal,
        status_code=status_code,
    )


@router.get("")
def lots(
    request: Request, session: SessionDep, portal: PortalDep, product_id: int | None = None
) -> Response:
    listing = list_lots(session, actor=portal.actor, product_id=product_id, per_page=100)
    return page(request, "portal/lots.html", {"listing": listing}, portal=portal)


@router.get("/new")
def new_lot(request: Request, session: SessionDep, portal: PortalDep) -> Response:
    ensure_allows(portal.enterprise, Deed.record_lots)
    values = {
        "product_id": request.query_params.get("product_id", ""),
        "production_on": dt.date.today().isoformat(),
        "unit": "KGM",
    }
    return _lot_form(request, session, portal, values=values, errors={})


@router.post("/new")
def create(request: Request, session: SessionDep, portal: PortalDep, form: FormDep) -> Response:
    values = form_values(form, LOT_FIELDS)
    try:
        refuse_control_characters(form)
        product_id = _choice_id(values["product_id"])
        if product_id is None:
            raise InvalidInput("Chọn sản phẩm.", "Choose the product.", field="product_id")
        product = get_product(session, actor=portal.actor, product_id=product_id)
        origin = _chosen_location(session, portal, values["origin_location_id"])
        lot = create_lot(
            session,
            actor=portal.actor,
            product=product,
            code=values["code"],
            production_on=parse_date(values["production_on"], "production_on"),
            expiry_on=parse_date(values["expiry_on"], "expiry_on"),
            best_before_on=parse_date(values["best_before_on"], "best_before_on"),
            quantity=parse_quantity(values["quantity"], field="quantity"),
            unit=optional(values["unit"]),
            origin_location=origin,
            export_market=optional(values["export_market"]),
            packhouse_location=_chosen_location(session, portal, values["packhouse_location_id"]),
        )
        check_export_lot(session, lot, actor=portal.actor)
    except TruyxuatError as exc:
        session.rollback()
        keep_refusal(session, exc)
        errors = field_errors(exc, request_language(request))
        return _lot_form(request, session, portal, values=values, errors=errors, status_code=400)
    flash(request, f"Đã tạo lô {lot.code}.", f"Lot {lot.code} created.")
    return see_other(f"/portal/lots/{lot.id}")


def _chosen_location(session: Session, portal: Portal, text: str) -> Location | None:
    location_id = _choice_id(text)
    if location_id is None:
        return None
    return get_location(session, actor=portal.actor, location_id=location_id)


def _lot_page(
    request: Request,
    session: Session,
    portal: Portal,
    lot: Lot,
    *,
    open_step: str | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    other_lots = [
        other
        for other in list_lots(session, actor=portal.actor, per_page=200).items
        if other.id != lot.id
    ]
    return page(
        request,
        "portal/lot.html",
        {
            "lot": lot,
            "journey": journey(session, lot),
            "flagged": flagged_event_pks(session, enterprise_id=lot.product.enterprise_id),
            "steps": [(step, STEP_NAMES[step]) for step in STEPS],
            "open_step": open_step,
            "values": values or _step_defaults(lot),
            "errors": errors or {},
            "locations": list_locations(session, actor=portal.actor, per_page=200).items,
            "other_lots": other_lots,
            "consumer_path": f"/01/{lot.product.gtin}/10/{lot.code}",
            "vn_zone": VIETNAM_ZONE,
            "units": _unit_choices(lot),
        },
        portal=portal,
        status_code=status_code,
    )


def _step_defaults(lot: Lot) -> dict[str, str]:
    """A step starts from what the lot already says: now, its place, its quantity and unit."""
    return {
        "event_time": dt.datetime.now(VIETNAM_ZONE).strftime("%Y-%m-%dT%H:%M"),
        "location_id": str(lot.origin_location_id or ""),
        "quantity": format_quantity(lot.quantity),
        "unit": lot.unit or "",
    }


def _unit_choices(lot: Lot) -> dict[str, str]:
    """The everyday list, plus the lot's own unit if an API gave it one outside the list."""
    if lot.unit and lot.unit not in COMMON_UNITS:
        return {**COMMON_UNITS, lot.unit: lot.unit}
    return COMMON_UNITS


def _step_unit(lot: Lot, text: str) -> str | None:
    unit = optional(text)
    if unit is not None and unit not in _unit_choices(lot):
        raise InvalidInput(
            "Chọn đơn vị trong danh sách (kg, tấn, cái…).",
            "Choose the unit from the list (kg, tonne, piece…).",
            field="unit",
        )
    return unit


@router.get("/{lot_id}")
def lot_detail(request: Request, session: SessionDep, portal: PortalDep, lot_id: int) -> Response:
    lot = get_lot(session, actor=portal.actor, lot_id=lot_id)
    step = request.query_params.get("step")
    return _lot_page(request, session, portal, lot, open_step=step if step in STEPS else None)


def _event_time(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            "Thời điểm không hợp lệ.", "Invalid date and time.", field="event_time"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VIETNAM_ZONE)
    return moment


def _own_location(session: Session, portal: Portal, text: str) -> Location:
    location_id = _choice_id(text)
    if location_id is None:
        raise InvalidInput("Chọn địa điểm.", "Choose the location.", field="location_id")
    return get_location(session, actor=portal.actor, location_id=location_id)


def _other_gln(text: str) -> str | None:
    if not text:
        return None
    try:
        return parse_gln(text.strip())
    except GS1Error as exc:
        # In plain words, not "AI (414) …"; and without the digit that would pass.
        raise InvalidInput(
            "Mã GLN không đúng: cần đủ 13 chữ số, đúng như bên kia đã được cấp. Hãy hỏi lại "
            "mã GLN, hoặc để trống và nhập tên, số điện thoại của họ.",
            "This GLN is not valid: it has 13 digits, exactly as the other party was given. "
            "Ask them again, or leave it empty and enter their name and phone.",
            field="other_gln",
        ) from exc


def _step_input(
    session: Session, portal: Portal, lot: Lot, step: str, values: dict[str, str]
) -> StepInput:
    location = _own_location(session, portal, values["location_id"])
    output_lot = None
    if step == "pack":
        output_id = _choice_id(values["output_lot_id"])
        if output_id is None:
            raise InvalidInput(
                "Chọn lô thành phẩm.", "Choose the output lot.", field="output_lot_id"
            )
        output_lot = get_lot(session, actor=portal.actor, lot_id=output_id)
    return StepInput(
        step=step,
        occurred_at=_event_time(values["event_time"]),
        location=location,
        quantity=parse_quantity(values["quantity"], field="quantity"),
        unit=_step_unit(lot, values["unit"]),
        other_gln=_other_gln(values["other_gln"]),
        output_lot=output_lot,
        output_quantity=parse_quantity(values["output_quantity"], field="output_quantity"),
        passed=values["result"] != "non_conformant",
        party=_party(step, values),
    )


def _party(step: str, values: dict[str, str]) -> Party | None:
    if step == "ship":
        return party_from(
            "buyer", values["buyer_name"], values["buyer_phone"], values["buyer_address"]
        )
    if step == "receive":
        return party_from(
            "seller", values["seller_name"], values["seller_phone"], values["seller_address"]
        )
    return None


@router.post("/{lot_id}/steps/{step}")
def add_step(
    request: Request,
    session: SessionDep,
    portal: PortalDep,
    form: FormDep,
    lot_id: int,
    step: str,
) -> Response:
    lot = get_lot(session, actor=portal.actor, lot_id=lot_id)
    if step not in STEPS:
        raise InvalidInput("Bước không hợp lệ.", "Unknown step.", field="step")
    values = form_values(form, STEP_FIELDS)
    try:
        refuse_control_characters(form)
        record_step(
            session,
            actor=portal.actor,
            lot=lot,
            step=_step_input(session, portal, lot, step, values),
        )
    except TruyxuatError as exc:
        session.rollback()
        keep_refusal(session, exc)
        errors = _step_errors(exc, request_language(request))
        return _lot_page(
            request, session, portal, lot, open_step=step, values=values, errors=errors,
            status_code=400,
        )  # fmt: skip
    vi, en = STEP_NAMES[step]
    flash(request, f"Đã ghi nhận bước: {vi}.", f"Step recorded: {en}.")
    return see_other(f"/portal/lots/{lot.id}#journey")


# What an EPCIS capture problem (an event path such as ".../quantityList/0/uom" and schema
# wording) means for the person at the form.
_CAPTURE_PROBLEMS = (
    ("uom", "unit", "Chọn đơn vị trong danh sách.", "Choose the unit from the list."),
    ("quantity", "quantity", "Kiểm tra lại số lượng.", "Check the quantity."),
    ("eventTime", "event_time", "Kiểm tra lại thời điểm.", "Check the date and time."),
)
_CAPTURE_REFUSED = (
    "Chưa ghi nhận được bước này. Kiểm tra lại các ô rồi thử lại;"
    " nếu vẫn lỗi, hãy báo cho Chi cục.",
    "This step could not be recorded. Check the fields and try again;"
    " if it still fails, tell the agency.",
)


def _step_errors(exc: TruyxuatError, lang: str) -> dict[str, Any]:
    """Form fields keep their messages; capture problems never reach the page raw."""
    errors = field_errors(exc, lang)
    kept = {
        field: message
        for field, message in errors.items()
        if field in STEP_FIELDS or field == "form"
    }
    if isinstance(exc, ExportGuardRefused):  # the lot's own codes: said as they are
        for field in errors.keys() - kept.keys():
            kept.setdefault("form", errors[field])
        return kept
    for field in errors.keys() - kept.keys():
        vi, en = _CAPTURE_REFUSED
        target = "form"
        for needle, form_field, field_vi, field_en in _CAPTURE_PROBLEMS:
            if needle in field:
                target, vi, en = form_field, field_vi, field_en
                break
        kept.setdefault(target, vi if lang == "vi" else en)
    return kept
