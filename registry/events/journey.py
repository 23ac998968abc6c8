"""A lot's journey for the consumer page: its own events, those of the lots it was made
from, and those of the pallets they travelled on, in time order and in plain words.
A step recorded by someone other than the producer names who recorded it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from registry.enterprises.models import Enterprise
from registry.events.identifiers import Key, parse_key
from registry.events.models import EpcisEvent, EventEpc
from registry.gs1 import GS1Error
from registry.locations.models import Location
from registry.products.models import Product
from registry.text import format_quantity
from registry.units import unit_name

STEP_TITLES: Final = {
    "harvest": ("Thu hoạch", "Harvest"),
    "pack": ("Đóng gói", "Packing"),
    "process": ("Chế biến", "Processing"),
    "ship": ("Xuất hàng", "Shipped"),
    "receive": ("Nhận hàng", "Received"),
    "inspect": ("Kiểm tra, kiểm nghiệm", "Inspection"),
    "store": ("Lưu kho", "Storage"),
    "recall": ("Thu hồi", "Recall"),
    "other": ("Sự kiện khác", "Other event"),
}
_UPSTREAM_AND_CONTAINERS: Final = """
WITH RECURSIVE up(node) AS (
    SELECT CAST(:start AS VARCHAR(500))
    UNION
    SELECT l.from_node FROM epcis_trace_link l JOIN up u ON l.to_node = u.node
)
SELECT node FROM up
UNION
SELECT l.to_node FROM epcis_trace_link l JOIN up u ON l.from_node = u.node
WHERE l.kind = 'aggregate'
"""


@dataclass(frozen=True)
class JourneyStep:
    occurred_at: dt.datetime
    step: str
    """harvest, pack, process, ship, receive, inspect, store, recall or other."""
    title_vi: str
    title_en: str
    location_name: str | None
    location_gln: str | None
    party_name: str | None
    detail_vi: str
    detail_en: str
    event_pk: int = 0
    recorded_by: str | None = None
    """The enterprise that recorded the step, when it is not the lot's producer."""
    recorded_by_agency: bool = False
    """Agency staff recorded the step."""

    @property
    def third_party(self) -> bool:
        return self.recorded_by is not None or self.recorded_by_agency


def step_of(event: EpcisEvent) -> str:
    """The plain-words step an event records."""
    if event.disposition == "recalled":
        return "recall"
    if event.event_type == "TransformationEvent":
        return "pack" if event.biz_step == "packing" else "process"
    return {
        "commissioning": "harvest" if event.action == "ADD" else "other",
        "packing": "pack",
        "shipping": "ship",
        "receiving": "receive",
        "inspecting": "inspect",
        "sampling": "inspect",
        "storing": "store",
    }.get(event.biz_step or "", "other")


def _gln(uri: str | None) -> str | None:
    if not uri:
        return None
    try:
        key = parse_key(uri)
    except GS1Error:
        return None
    return key.primary[1] if key is not None and key.primary[0] == "414" else None


def _amount(document: dict[str, Any], lot_uri: str) -> str:
    for name in ("quantityList", "outputQuantityList", "childQuantityList", "inputQuantityList"):
        for element in document.get(name) or []:
            if element.get("epcClass") == lot_uri and "quantity" in element:
                quantity = Decimal(str(element["quantity"]))
                return f"{format_quantity(quantity)} {unit_name(element.get('uom'))}".strip()
    return ""


def _detail(step: str, event: EpcisEvent, names: dict[str, str], lot_uri: str) -> tuple[str, str]:
    document = event.document
    amount = _amount(document, lot_uri)
    if step == "ship":
        target = next(
            (_gln(d.get("destination")) for d in document.get("destinationList") or []), None
        )
        buyer = (document.get("tx:buyer") or {}).get("tx:name")
        where = names.get(target or "", target or "") or buyer or ""
        return f"Gửi đến {where}".strip(), f"Sent to {where}".strip()
    if step == "receive":
        origin = next((_gln(s.get("source")) for s in document.get("sourceList") or []), None)
        seller = (document.get("tx:seller") or {}).get("tx:name")
        where = names.get(origin or "", origin or "") or seller or ""
        return f"Nhận từ {where}".strip(), f"Received from {where}".strip()
    if step == "inspect":
        if event.disposition == "conformant":
            return "Đạt yêu cầu", "Passed"
        if event.disposition == "non_conformant":
            return "Không đạt", "Failed"
    if step == "harvest":
        area = (document.get("ilmd") or {}).get("tx:growingArea")
        area_name = names.get(_gln(area) or "", "")
        vi = f"Sản lượng {amount}" if amount else ""
        en = f"Quantity {amount}" if amount else ""
        if area_name:
            vi, en = (
                f"{vi}, vùng trồng {area_name}".strip(", "),
                f"{en}, area {area_name}".strip(", "),
            )
        return vi, en
    if amount:
        return f"Số lượng {amount}", f"Quantity {amount}"
    return "", ""


def lot_journey(session: Session, *, gtin: str, lot: str) -> list[JourneyStep]:
    """Public: what the consumer page shows. Unknown lots have an empty journey."""
    lot_uri = Key(("01", gtin), (("10", lot),)).uri()
    producer = session.scalar(select(Product.enterprise_id).where(Product.gtin == gtin))
    nodes = list(session.scalars(text(_UPSTREAM_AND_CONTAINERS), {"start": lot_uri}))
    events = list(
        session.scalars(
            select(EpcisEvent)
            .where(EpcisEvent.id.in_(select(EventEpc.event_pk).where(EventEpc.node.in_(nodes))))
            .order_by(EpcisEvent.event_time, EpcisEvent.id)
        )
    )
    glns: set[str] = set()
    for event in events:
        glns.update(g for g in (_gln(event.biz_location), _gln(event.read_point)) if g)
        for item in (event.document.get("sourceList") or []) + (
            event.document.get("destinationList") or []
        ):
            gln = _gln(item.get("source") or item.get("destination"))
            if gln:
                glns.add(gln)
        gln = _gln((event.document.get("ilmd") or {}).get("tx:growingArea"))
        if gln:
            glns.add(gln)
    locations = {
        loc.gln: loc
        for loc in session.scalars(select(Location).where(Location.gln.in_(sorted(glns))))
    }
    enterprises = {
        e.id: e
        for e in session.scalars(
            select(Enterprise).where(
                Enterprise.id.in_(
                    {loc.enterprise_id for loc in locations.values()}
                    | {e.enterprise_id for e in events if e.enterprise_id}
                )
            )
        )
    }
    names = {gln: loc.name for gln, loc in locations.items()}
    steps = []
    for event in events:
        step = step_of(event)
        gln = _gln(event.biz_location) or _gln(event.read_point)
        place = locations.get(gln or "")
        owner_id = place.enterprise_id if place is not None else event.enterprise_id
        owner = enterprises.get(owner_id) if owner_id is not None else None
        detail_vi, detail_en = _detail(step, event, names, lot_uri)
        recorder = enterprises.get(event.enterprise_id) if event.enterprise_id else None
        steps.append(
            JourneyStep(
                occurred_at=event.event_time,
                step=step,
                title_vi=STEP_TITLES[step][0],
                title_en=STEP_TITLES[step][1],
                location_name=place.name if place is not None else None,
                location_gln=gln,
                party_name=owner.display_name if owner is not None else None,
                detail_vi=detail_vi,
                detail_en=detail_en,
                event_pk=event.id,
                recorded_by=recorder.display_name
                if recorder is not None and recorder.id != producer
                else None,
                recorded_by_agency=event.enterprise_id is None
                and (event.recorded_by_user_id or event.recorded_by_key_id) is not None,
            )
        )
    return steps
