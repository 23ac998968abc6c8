"""Consignments: lots shipped together to an importer abroad, recorded as one EPCIS
shipping ObjectEvent through the ordinary capture (so the journey, the events query,
subscriptions and the event hash see it like any other event)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final
from urllib.parse import quote

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from registry.actor import Actor, not_found
from registry.audit.service import record_change, snapshot
from registry.consignments.container import parse_container_number
from registry.consignments.details import (
    Importer,
    LabResult,
    Treatment,
    country_code,
    text_field,
)
from registry.consignments.models import Consignment, ConsignmentLot
from registry.consignments.schemas import MAX_LAB_RESULTS, MAX_LOTS, MAX_SEALS
from registry.db import utcnow
from registry.enterprises.models import Enterprise
from registry.errors import Forbidden, InvalidInput
from registry.events.capture import capture_event
from registry.events.steps import CONTEXT, VIETNAM, VIETNAM_OFFSET, gln_uri, lot_uri
from registry.events.vocabulary import TRUYXUAT_NS
from registry.locations.models import Location
from registry.lots.models import Lot, LotStatus
from registry.market_codes.service import KILOGRAMS_PER_UNIT, check_export_lot
from registry.pagination import Page, paginate
from registry.text import check_quantity, format_quantity
from registry.units import unit_name

WHAT: Final = ("lô hàng xuất khẩu", "consignment")
FIELDS: Final = [
    "location_id",
    "market",
    "importer_name",
    "importer_country",
    "importer_address",
    "certificate_number",
    "additional_declarations",
    "treatment",
    "lab_results",
    "container_number",
    "seal_numbers",
    "departed_on",
    "port_of_loading",
    "port_of_discharge",
    "event_id",
]
# Extension URIs of this registry's namespace (docs/export.md, Consignments): CBV 2.0 has
# no business transaction type for a freight container or its seals, and no identifier
# for a party without a GLN.
CONTAINER_TYPE: Final = TRUYXUAT_NS + "btt/container"
SEAL_TYPE: Final = TRUYXUAT_NS + "btt/seal"
PHYTOSANITARY_CERTIFICATE: Final = TRUYXUAT_NS + "bt/phytosanitary-certificate/VN/"
CONTAINER: Final = TRUYXUAT_NS + "bt/container/"
SEAL: Final = TRUYXUAT_NS + "bt/seal/"
LAB_REPORT: Final = TRUYXUAT_NS + "bt/lab-report/"
EXPORTER: Final = TRUYXUAT_NS + "party/vn-tax-code/"


@dataclass(frozen=True)
class ConsignedLot:
    lot: Lot
    quantity: Decimal
    unit: str


@dataclass(frozen=True)
class Shipment:
    """Where, when and in what the goods leave."""

    location: Location
    departed_on: dt.date
    port_of_loading: str
    port_of_discharge: str
    container_number: str
    seal_numbers: Sequence[str] = ()


@dataclass(frozen=True)
class Phytosanitary:
    certificate_number: str
    additional_declarations: str = ""
    treatment: Treatment = dataclasses.field(default_factory=Treatment)
    lab_results: Sequence[LabResult] = ()


def _check_market(session: Session, actor: Actor, lot: Lot, market: str, field: str) -> None:
    """The lot was declared for this market, and its codes hold up (the export guard)."""
    if lot.export_market is None:
        raise InvalidInput(
            f"Lô {lot.code} không phải lô xuất khẩu: lô chưa ghi thị trường nhập khẩu và mã số"
            " vùng trồng, cơ sở đóng gói.",
            f"Lot {lot.code} is not an export lot: it names no importing market, planting-area"
            " or packing-house code.",
            field=field,
        )
    if lot.export_market != market:
        raise InvalidInput(
            f"Lô {lot.code} được khai cho thị trường {lot.export_market}, không phải {market}.",
            f"Lot {lot.code} was declared for the {lot.export_market} market, not {market}.",
            field=field,
        )
    check_export_lot(session, lot, actor=actor, attempt="consignment")


def _checked_lots(
    session: Session,
    actor: Actor,
    enterprise: Enterprise,
    market: str,
    lots: Sequence[ConsignedLot],
    departed_on: dt.date,
) -> list[ConsignedLot]:
    if not lots:
        raise InvalidInput(
            "Cần ít nhất một lô hàng.", "At least one lot is needed.", field="lot_id_1"
        )
    if len(lots) > MAX_LOTS:
        raise InvalidInput(
            f"Tối đa {MAX_LOTS} lô hàng mỗi lô xuất.",
            f"At most {MAX_LOTS} lots per consignment.",
            field="lots",
        )
    seen: set[int] = set()
    checked: list[ConsignedLot] = []
    for row, item in enumerate(lots, start=1):
        lot = item.lot
        field = f"lot_id_{row}"
        # Another enterprise's lot answers as missing, like any record it cannot see.
        if lot.product.enterprise_id != enterprise.id:
            raise not_found(("lô hàng", "lot"))
        if lot.id in seen:
            raise InvalidInput(
                f"Lô {lot.code} đã có ở dòng trên.", f"Lot {lot.code} is already listed.",
                field=field,
            )  # fmt: skip
        seen.add(lot.id)
        if lot.status is not LotStatus.active:
            raise InvalidInput(
                f"Lô {lot.code} đã bị thu hồi hoặc rút khỏi lưu thông, không được xuất.",
                f"Lot {lot.code} is recalled or withdrawn and cannot be shipped.",
                field=field,
            )
        if lot.production_on is not None and lot.production_on > departed_on:
            raise InvalidInput(
                f"Lô {lot.code} thu hoạch, sản xuất sau ngày khởi hành.",
                f"Lot {lot.code} was harvested or made after the departure date.",
                field="departed_on",
            )
        _check_market(session, actor, lot, market, field)
        check_quantity(item.quantity, field=f"quantity_{row}")
        if item.quantity <= 0:
            raise InvalidInput(
                "Số lượng phải lớn hơn 0.", "The quantity must be above 0.",
                field=f"quantity_{row}",
            )  # fmt: skip
        unit = item.unit.strip()
        if not (2 <= len(unit) <= 3 and unit.isascii() and unit.isalnum() and unit.isupper()):
            raise InvalidInput(
                "Đơn vị phải là mã UN/ECE (ví dụ KGM).",
                "The unit must be a UN/ECE code (e.g. KGM).",
                field=f"unit_{row}",
            )
        _check_remaining(session, lot, item.quantity, unit, row)
        checked.append(ConsignedLot(lot, item.quantity, unit))
    return checked


def _in_lot_unit(lot: Lot, quantity: Decimal, unit: str) -> Decimal | None:
    """The quantity in the lot's own unit; None when the two units do not convert."""
    if unit == lot.unit:
        return quantity
    here, there = KILOGRAMS_PER_UNIT.get(unit), KILOGRAMS_PER_UNIT.get(lot.unit or "")
    if here is None or there is None:
        return None
    return quantity * here / there


def _check_remaining(session: Session, lot: Lot, quantity: Decimal, unit: str, row: int) -> None:
    """No more of a lot leaves than the lot holds, over all its consignments."""
    if lot.quantity is None:
        return
    wanted = _in_lot_unit(lot, quantity, unit)
    if wanted is None:
        raise InvalidInput(
            f"Lô {lot.code} tính theo {unit_name(lot.unit)}: hãy nhập số lượng theo đơn vị đó.",
            f"Lot {lot.code} is counted in {unit_name(lot.unit)}: give the quantity in that unit.",
            field=f"unit_{row}",
        )
    # Two consignments of the lot at once: the second waits here for the first to end and
    # then counts it (a row lock on PostgreSQL; SQLite has one writer at a time anyway).
    session.execute(select(Lot.id).where(Lot.id == lot.id).with_for_update())
    shipped = Decimal(0)
    for earlier, earlier_unit in session.execute(
        select(ConsignmentLot.quantity, ConsignmentLot.unit).where(ConsignmentLot.lot_id == lot.id)
    ):
        shipped += _in_lot_unit(lot, earlier, earlier_unit) or Decimal(0)
    left = lot.quantity - shipped
    if wanted > left:
        amount = f"{format_quantity(max(left, Decimal(0)))} {unit_name(lot.unit)}".strip()
        raise InvalidInput(
            f"Lô {lot.code} chỉ còn {amount} chưa xuất; không xuất được nhiều hơn số lượng của lô.",
            f"Lot {lot.code} has only {amount} left to ship; no more can leave than the lot holds.",
            field=f"quantity_{row}",
        )


def _checked_shipment(shipment: Shipment, enterprise: Enterprise) -> Shipment:
    if shipment.location.enterprise_id != enterprise.id:
        raise not_found(("địa điểm", "location"))
    today = dt.datetime.now(VIETNAM).date()
    if shipment.departed_on > today:
        raise InvalidInput(
            "Ngày khởi hành không được ở tương lai: ghi nhận lô xuất khi hàng đã đi.",
            "The departure date cannot be in the future: record the consignment once it has left.",
            field="departed_on",
        )
    seals: list[str] = []
    if len(shipment.seal_numbers) > MAX_SEALS:
        raise InvalidInput(
            f"Tối đa {MAX_SEALS} số chì (seal).",
            f"At most {MAX_SEALS} seal numbers.",
            field="seal_numbers",
        )
    for seal in shipment.seal_numbers:
        text = text_field(seal, "seal_numbers", longest=30)
        if text in seals:
            raise InvalidInput(
                f"Số chì {text} bị nhập hai lần.", f"Seal {text} is given twice.",
                field="seal_numbers",
            )  # fmt: skip
        seals.append(text)
    return Shipment(
        location=shipment.location,
        departed_on=shipment.departed_on,
        port_of_loading=text_field(shipment.port_of_loading, "port_of_loading", longest=120),
        port_of_discharge=text_field(shipment.port_of_discharge, "port_of_discharge", longest=120),
        container_number=parse_container_number(shipment.container_number),
        seal_numbers=tuple(seals),
    )


def _checked_phytosanitary(papers: Phytosanitary) -> Phytosanitary:
    if len(papers.lab_results) > MAX_LAB_RESULTS:
        raise InvalidInput(
            f"Tối đa {MAX_LAB_RESULTS} kết quả kiểm nghiệm.",
            f"At most {MAX_LAB_RESULTS} lab results.",
            field="lab_results",
        )
    return Phytosanitary(
        certificate_number=text_field(papers.certificate_number, "certificate_number", longest=64),
        additional_declarations=text_field(
            papers.additional_declarations,
            "additional_declarations",
            longest=2000,
            required=False,
        ),
        treatment=papers.treatment.checked(),
        lab_results=[r.checked(row) for row, r in enumerate(papers.lab_results, start=1)],
    )


def create_consignment(
    session: Session,
    *,
    actor: Actor,
    enterprise: Enterprise,
    market: str,
    lots: Sequence[ConsignedLot],
    importer: Importer,
    shipment: Shipment,
    papers: Phytosanitary,
) -> Consignment:
    """Check everything, then store the consignment and capture its shipping event."""
    actor.ensure_sees(enterprise.id, what=("doanh nghiệp", "enterprise"))
    actor.ensure_may_write()
    if actor.enterprise_id != enterprise.id:
        raise Forbidden(
            "Lô hàng xuất khẩu do chính doanh nghiệp xuất khẩu ghi nhận.",
            "A consignment is recorded by the exporting enterprise itself.",
        )
    market = country_code(market, "market")
    shipment = _checked_shipment(shipment, enterprise)
    checked_lots = _checked_lots(session, actor, enterprise, market, lots, shipment.departed_on)
    papers = _checked_phytosanitary(papers)
    importer = Importer.checked(importer.name, importer.country, importer.address)
    consignment = Consignment(
        enterprise_id=enterprise.id,
        location_id=shipment.location.id,
        market=market,
        importer_name=importer.name,
        importer_country=importer.country,
        importer_address=importer.address,
        importer_uri=f"urn:uuid:{uuid.uuid4()}",
        certificate_number=papers.certificate_number,
        additional_declarations=papers.additional_declarations,
        treatment=papers.treatment.as_data(),
        lab_results=[r.as_data() for r in papers.lab_results],
        container_number=shipment.container_number,
        seal_numbers=list(shipment.seal_numbers),
        departed_on=shipment.departed_on,
        port_of_loading=shipment.port_of_loading,
        port_of_discharge=shipment.port_of_discharge,
        lots=[
            ConsignmentLot(lot_id=i.lot.id, quantity=i.quantity, unit=i.unit) for i in checked_lots
        ],
    )
    session.add(consignment)
    session.flush()
    event = shipping_event(
        consignment,
        enterprise=enterprise,
        lots=checked_lots,
        importer=importer,
        shipment=shipment,
        papers=papers,
    )
    consignment.event_id = capture_event(session, actor=actor, event=event)[0]
    record_change(
        session,
        actor=actor,
        action="create",
        entity="consignment",
        entity_id=consignment.id,
        enterprise_id=enterprise.id,
        after=snapshot(consignment, FIELDS),
    )
    return consignment


def _document_uri(base: str, *parts: str) -> str:
    return base + "/".join(quote(part, safe="") for part in parts)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def shipping_event(
    consignment: Consignment,
    *,
    enterprise: Enterprise,
    lots: Sequence[ConsignedLot],
    importer: Importer,
    shipment: Shipment,
    papers: Phytosanitary,
) -> dict[str, Any]:
    """EPCIS 2.0 ObjectEvent OBSERVE, bizStep shipping, disposition in_transit (DESIGN §4)."""
    noon = dt.datetime.combine(shipment.departed_on, dt.time(12), tzinfo=VIETNAM)
    moment = min(noon, utcnow()).astimezone(VIETNAM)
    packhouse = gln_uri(shipment.location.gln)
    container = shipment.container_number
    transactions: list[dict[str, str]] = [
        # CBV 2.0 §7.3: cert, a certificate; issued in Viet Nam by the plant protection
        # authority, which has no GLN to number it under (urn:epcglobal:cbv:bt:<GLN>:…).
        {
            "type": "cert",
            "bizTransaction": _document_uri(PHYTOSANITARY_CERTIFICATE, papers.certificate_number),
        },
        {"type": CONTAINER_TYPE, "bizTransaction": _document_uri(CONTAINER, container)},
        *(
            {"type": SEAL_TYPE, "bizTransaction": _document_uri(SEAL, container, seal)}
            for seal in shipment.seal_numbers
        ),
    ]
    reports = dict.fromkeys((r.lab, r.report_number) for r in papers.lab_results)
    transactions.extend(
        {"type": "testres", "bizTransaction": _document_uri(LAB_REPORT, lab, number)}
        for lab, number in reports
    )
    phytosanitary: dict[str, Any] = {"tx:certificateNumber": papers.certificate_number}
    if papers.additional_declarations:
        phytosanitary["tx:additionalDeclarations"] = papers.additional_declarations
    event: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "ObjectEvent",
        "eventTime": moment.isoformat(timespec="milliseconds"),
        "eventTimeZoneOffset": VIETNAM_OFFSET,
        "quantityList": [
            {"epcClass": lot_uri(item.lot), "quantity": _number(item.quantity), "uom": item.unit}
            for item in lots
        ],
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "readPoint": {"id": packhouse},
        "bizLocation": {"id": packhouse},
        "bizTransactionList": transactions,
        "sourceList": [
            {"type": "location", "source": packhouse},
            {"type": "owning_party", "source": EXPORTER + enterprise.tax_code},
        ],
        "destinationList": [{"type": "owning_party", "destination": consignment.importer_uri}],
        "tx:consignment": consignment.id,
        "tx:market": consignment.market,
        "tx:buyer": importer.as_extension(),
        "tx:phytosanitaryCertificate": phytosanitary,
        "tx:treatment": papers.treatment.as_extension(),
        "tx:container": {"tx:number": container, "tx:seals": list(shipment.seal_numbers)},
        "tx:departureDate": shipment.departed_on.isoformat(),
        "tx:portOfLoading": shipment.port_of_loading,
        "tx:portOfDischarge": shipment.port_of_discharge,
    }
    if papers.lab_results:
        event["tx:labResults"] = [r.as_extension() for r in papers.lab_results]
    return event


def get_consignment(session: Session, *, actor: Actor, consignment_id: int) -> Consignment:
    consignment = session.get(Consignment, consignment_id)
    if consignment is None:
        raise not_found(WHAT)
    actor.ensure_sees(consignment.enterprise_id, what=WHAT)
    return consignment


def list_consignments(
    session: Session,
    *,
    actor: Actor,
    enterprise_id: int | None = None,
    market: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[Consignment]:
    statement: Select[Any] = select(Consignment).order_by(Consignment.id.desc())
    if not actor.is_agency:
        statement = statement.where(Consignment.enterprise_id == actor.enterprise_id)
    if enterprise_id is not None:
        statement = statement.where(Consignment.enterprise_id == enterprise_id)
    if market:
        statement = statement.where(Consignment.market == market.upper())
    return paginate(session, statement, page=page, per_page=per_page)
