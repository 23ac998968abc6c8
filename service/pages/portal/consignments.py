"""Consignments: the list, the form that records one (its shipping event), one
consignment with its dossier (PDF and EPCIS document)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from registry.actor import not_found
from registry.consignments.details import (
    TREATMENT_NAMES,
    Importer,
    LabResult,
    Treatment,
    TreatmentKind,
    country_name,
)
from registry.consignments.dossier import dossier_of
from registry.consignments.models import Consignment
from registry.consignments.service import (
    ConsignedLot,
    Phytosanitary,
    Shipment,
    create_consignment,
    get_consignment,
    list_consignments,
)
from registry.enterprises.policy import Deed, ensure_allows
from registry.errors import InvalidInput, TruyxuatError
from registry.locations.service import list_locations
from registry.lots.models import Lot
from registry.lots.service import list_lots
from registry.market_codes.guard import keep_refusal
from registry.schemas import MAX_ID
from registry.text import parse_quantity
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
    page,
    parse_date,
    refuse_control_characters,
    see_other,
)

router = APIRouter(prefix="/portal/consignments")
ConsignmentId = Annotated[int, Path(ge=1, le=MAX_ID)]
LOT_ROWS: Final = 5
LAB_ROWS: Final = 3
LAB_COLUMNS: Final = ("lab", "report_number", "analyte", "result", "limit", "passed")
FIELDS: Final = [
    "location_id",
    "market",
    "importer_name",
    "importer_country",
    "importer_address",
    "certificate_number",
    "additional_declarations",
    "treatment_kind",
    "dose_gy",
    "temperature_c",
    "duration_minutes",
    "agent",
    "concentration_g_m3",
    "container_number",
    "seal_numbers",
    "departed_on",
    "port_of_loading",
    "port_of_discharge",
    *(f"{name}_{row}" for row in range(1, LOT_ROWS + 1) for name in ("lot_id", "quantity", "unit")),
    *(f"lab_{name}_{row}" for row in range(1, LAB_ROWS + 1) for name in LAB_COLUMNS),
]


def _form(
    request: Request,
    session: Session,
    portal: Portal,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    lots = [
        lot
        for lot in list_lots(session, actor=portal.actor, per_page=200).items
        if lot.status.value == "active"
    ]
    return page(
        request,
        "portal/consignment_form.html",
        {
            "values": values,
            "errors": errors,
            "lots": lots,
            "locations": list_locations(session, actor=portal.actor, per_page=200).items,
            "units": COMMON_UNITS,
            "treatments": [(kind.value, names) for kind, names in TREATMENT_NAMES.items()],
            "lot_rows": range(1, LOT_ROWS + 1),
            "lab_rows": range(1, LAB_ROWS + 1),
        },
        portal=portal,
        status_code=status_code,
    )


@router.get("")
def consignments(request: Request, session: SessionDep, portal: PortalDep) -> Response:
    listing = list_consignments(session, actor=portal.actor, per_page=100)
    return page(request, "portal/consignments.html", {"listing": listing}, portal=portal)


@router.get("/new")
def new_consignment(request: Request, session: SessionDep, portal: PortalDep) -> Response:
    ensure_allows(portal.enterprise, Deed.record_events)
    values = {
        "departed_on": dt.date.today().isoformat(),
        "market": "CN",
        "importer_country": "CN",
        "treatment_kind": "none",
        **{f"unit_{row}": "KGM" for row in range(1, LOT_ROWS + 1)},
    }
    return _form(request, session, portal, values=values, errors={})


def _choice_id(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 10 else None


def _measure(text: str, field: str) -> Decimal | None:
    try:
        return parse_quantity(text, field=field)
    except InvalidInput as exc:
        raise InvalidInput(
            "Phải là một số, ví dụ 400 hoặc 47,5.",
            "Must be a number, like 400 or 47,5.",
            field=field,
        ) from exc


def _minutes(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or len(text) > 6:
        raise InvalidInput(
            "Thời gian là số phút, ví dụ 20.",
            "The time is a number of minutes, e.g. 20.",
            field="duration_minutes",
        )
    return int(text)


def _lots(session: Session, values: dict[str, str]) -> list[ConsignedLot]:
    chosen = []
    for row in range(1, LOT_ROWS + 1):
        lot_id = _choice_id(values[f"lot_id_{row}"])
        if lot_id is None:
            continue
        lot = session.get(Lot, lot_id)
        if lot is None:
            raise not_found(("lô hàng", "lot"))
        quantity = parse_quantity(values[f"quantity_{row}"], field=f"quantity_{row}")
        if quantity is None:
            raise InvalidInput(
                "Cần nhập số lượng xuất của lô này.",
                "Enter the quantity shipped of this lot.",
                field=f"quantity_{row}",
            )
        unit = values[f"unit_{row}"]
        if unit not in COMMON_UNITS:
            raise InvalidInput(
                "Chọn đơn vị trong danh sách.", "Choose the unit from the list.",
                field=f"unit_{row}",
            )  # fmt: skip
        chosen.append(ConsignedLot(lot, quantity, unit))
    if not chosen:
        raise InvalidInput(
            "Chọn ít nhất một lô hàng.", "Choose at least one lot.", field="lot_id_1"
        )
    return chosen


def _lab_results(values: dict[str, str]) -> list[LabResult]:
    results = []
    for row in range(1, LAB_ROWS + 1):
        cells = {name: values[f"lab_{name}_{row}"] for name in LAB_COLUMNS}
        if not any(cells[name] for name in LAB_COLUMNS if name != "passed"):
            continue
        if cells["passed"] not in ("pass", "fail"):
            raise InvalidInput(
                "Chọn Đạt hoặc Không đạt.", "Choose Pass or Fail.", field=f"lab_passed_{row}"
            )
        results.append(
            LabResult(
                lab=cells["lab"],
                report_number=cells["report_number"],
                analyte=cells["analyte"],
                result=cells["result"],
                limit=cells["limit"],
                passed=cells["passed"] == "pass",
            )
        )
    return results


def _treatment(values: dict[str, str]) -> Treatment:
    try:
        kind = TreatmentKind(values["treatment_kind"] or "none")
    except ValueError as exc:
        raise InvalidInput(
            "Chọn cách xử lý trong danh sách.",
            "Choose the treatment from the list.",
            field="treatment_kind",
        ) from exc
    return Treatment(
        kind,
        dose_gy=_measure(values["dose_gy"], "dose_gy"),
        temperature_c=_measure(values["temperature_c"], "temperature_c"),
        duration_minutes=_minutes(values["duration_minutes"]),
        agent=values["agent"] or None,
        concentration_g_m3=_measure(values["concentration_g_m3"], "concentration_g_m3"),
    )


def _location(session: Session, portal: Portal, text: str) -> Any:
    location_id = _choice_id(text)
    own = {
        location.id: location
        for location in list_locations(session, actor=portal.actor, per_page=200).items
    }
    if location_id not in own:
        raise InvalidInput(
            "Chọn cơ sở đóng gói, nơi xuất hàng.",
            "Choose the packhouse the goods leave from.",
            field="location_id",
        )
    return own[location_id]


def _record(session: Session, portal: Portal, values: dict[str, str]) -> Consignment:
    departed_on = parse_date(values["departed_on"], "departed_on")
    if departed_on is None:
        raise InvalidInput(
            "Cần ngày khởi hành.", "The departure date is required.", field="departed_on"
        )
    return create_consignment(
        session,
        actor=portal.actor,
        enterprise=portal.enterprise,
        market=values["market"],
        lots=_lots(session, values),
        importer=Importer(
            values["importer_name"], values["importer_country"], values["importer_address"]
        ),
        shipment=Shipment(
            location=_location(session, portal, values["location_id"]),
            departed_on=departed_on,
            port_of_loading=values["port_of_loading"],
            port_of_discharge=values["port_of_discharge"],
            container_number=values["container_number"],
            seal_numbers=[s.strip() for s in values["seal_numbers"].split(",") if s.strip()],
        ),
        papers=Phytosanitary(
            certificate_number=values["certificate_number"],
            additional_declarations=values["additional_declarations"],
            treatment=_treatment(values),
            lab_results=_lab_results(values),
        ),
    )


@router.post("/new")
def create(request: Request, session: SessionDep, portal: PortalDep, form: FormDep) -> Response:
    values = form_values(form, FIELDS)
    try:
        refuse_control_characters(form)
        consignment = _record(session, portal, values)
    except TruyxuatError as exc:
        session.rollback()
        keep_refusal(session, exc)  # the export guard's queue outlives the work
        errors = field_errors(exc, request_language(request))
        return _form(request, session, portal, values=values, errors=errors, status_code=400)
    flash(
        request,
        f"Đã ghi nhận lô hàng xuất khẩu số {consignment.id}.",
        f"Consignment {consignment.id} recorded.",
    )
    return see_other(f"/portal/consignments/{consignment.id}")


@router.get("/{consignment_id}")
def consignment_detail(
    request: Request, session: SessionDep, portal: PortalDep, consignment_id: ConsignmentId
) -> Response:
    consignment = get_consignment(session, actor=portal.actor, consignment_id=consignment_id)
    lang = request_language(request)
    return page(
        request,
        "portal/consignment.html",
        {
            "consignment": consignment,
            "dossier": dossier_of(session, consignment=consignment),
            "market_name": country_name(consignment.market, lang),
            "importer_country_name": country_name(consignment.importer_country, lang),
            "treatment": Treatment.from_data(consignment.treatment).summary(lang),
        },
        portal=portal,
    )


@router.get("/{consignment_id}/dossier.pdf")
def dossier_as_pdf(
    session: SessionDep, portal: PortalDep, consignment_id: ConsignmentId
) -> Response:
    consignment = get_consignment(session, actor=portal.actor, consignment_id=consignment_id)
    # On first use: the dossier module imports reportlab, ~0.1 s of every app start.
    from service.pages.portal.dossier_pdf import dossier_download

    return dossier_download(session, actor=portal.actor, consignment=consignment, kind="pdf")


@router.get("/{consignment_id}/dossier.jsonld")
def dossier_as_epcis(
    session: SessionDep, portal: PortalDep, consignment_id: ConsignmentId
) -> Response:
    consignment = get_consignment(session, actor=portal.actor, consignment_id=consignment_id)
    # On first use: the dossier module imports reportlab, ~0.1 s of every app start.
    from service.pages.portal.dossier_pdf import dossier_download

    return dossier_download(session, actor=portal.actor, consignment=consignment, kind="jsonld")
