"""Export of critical tracking events for a set of lots or a period: CSV, XLSX, EPCIS.

One row per event and identifier, with the key data elements a traceability record
keeps (traceability lot code, product, quantity and unit, place, date, source and
destination, reference documents).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from typing import Any, Final

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.errors import InvalidInput
from registry.events.documents import epcis_document, iso
from registry.events.identifiers import parse_key
from registry.events.journey import step_of
from registry.events.models import EpcisEvent, EventEpc, TraceLink
from registry.events.query import visible_to
from registry.events.trace import lot_node
from registry.locations.models import Location
from registry.lots.models import Lot
from registry.products.models import Product
from registry.spreadsheets import Sheet, csv_text, xlsx_bytes

MAX_EVENTS: Final = 100_000


@dataclass(frozen=True)
class ExportRow:
    event_id: str
    event_time: str
    step: str
    event_type: str
    biz_step: str
    disposition: str
    traceability_lot_code: str
    gtin: str
    product_name: str
    identifier: str
    role: str
    quantity: str
    unit: str
    location_gln: str
    location_name: str
    source: str
    destination: str
    reference_documents: str


COLUMNS: Final = [f.name for f in fields(ExportRow)]


def select_events(
    session: Session,
    *,
    actor: Actor,
    lots: Sequence[Lot] = (),
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[EpcisEvent]:
    """Events of the given lots and/or in [since, until), visible to the actor."""
    if not lots and since is None and until is None:
        raise InvalidInput(
            "Chọn lô hàng hoặc khoảng thời gian để xuất.",
            "Choose lots or a period to export.",
            field="lot_id",
        )
    statement = select(EpcisEvent)
    visibility = visible_to(actor)
    if visibility is not None:
        statement = statement.where(visibility)
    if lots:
        nodes = [lot_node(lot) for lot in lots]
        # Shipments of a pallet are shipments of the lots on it.
        containers = select(TraceLink.to_node).where(
            TraceLink.from_node.in_(nodes), TraceLink.kind == "aggregate"
        )
        statement = statement.where(
            EpcisEvent.id.in_(
                select(EventEpc.event_pk).where(
                    or_(
                        EventEpc.node.in_(nodes),
                        EventEpc.lot_key.in_(nodes),
                        EventEpc.node.in_(containers),
                    )
                )
            )
        )
    since, until = (_aware(since), _aware(until))
    if since is not None:
        statement = statement.where(EpcisEvent.event_time >= since)
    if until is not None:
        statement = statement.where(EpcisEvent.event_time < until)
    statement = statement.order_by(EpcisEvent.event_time, EpcisEvent.id).limit(MAX_EVENTS)
    return list(session.scalars(statement))


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment


def _gln(uri: str | None) -> str:
    prefix = "https://id.gs1.org/414/"
    if uri and uri.startswith(prefix):
        return uri[len(prefix) :].split("/")[0]
    return uri or ""


def export_rows(session: Session, events: Sequence[EpcisEvent]) -> list[ExportRow]:
    pks = [e.id for e in events]
    identifiers: dict[int, list[EventEpc]] = {pk: [] for pk in pks}
    for start in range(0, len(pks), 900):
        for row in session.scalars(
            select(EventEpc)
            .where(EventEpc.event_pk.in_(pks[start : start + 900]))
            .order_by(EventEpc.id)
        ):
            identifiers[row.event_pk].append(row)
    glns = {_gln(e.biz_location or e.read_point) for e in events}
    places = {
        loc.gln: loc.name
        for loc in session.scalars(
            select(Location).where(Location.gln.in_(sorted(g for g in glns if g)))
        )
    }
    gtins = {
        row.epc.split("/")[4]
        for rows in identifiers.values()
        for row in rows
        if row.epc.startswith("https://id.gs1.org/01/")
    }
    products = dict(
        session.execute(
            select(Product.gtin, Product.name_vi).where(Product.gtin.in_(sorted(gtins)))
        ).all()
    )
    rows: list[ExportRow] = []
    for event in events:
        document: dict[str, Any] = event.document
        gln = _gln(event.biz_location or event.read_point)
        sources = "; ".join(_gln(s.get("source")) for s in document.get("sourceList") or [])
        targets = "; ".join(
            _gln(d.get("destination")) for d in document.get("destinationList") or []
        )
        references = "; ".join(
            f"{b.get('type', '')}:{b.get('bizTransaction', '')}".lstrip(":")
            for b in document.get("bizTransactionList") or []
        )
        items: list[EventEpc | None] = list(identifiers[event.id]) or [None]
        for item in items:
            gtin = ""
            if item is not None and item.epc.startswith("https://id.gs1.org/01/"):
                gtin = item.epc.split("/")[4]
            rows.append(
                ExportRow(
                    event_id=event.event_id,
                    event_time=iso(event.event_time),
                    step=step_of(event),
                    event_type=event.event_type,
                    biz_step=event.biz_step or "",
                    disposition=event.disposition or "",
                    traceability_lot_code=_lot_code(item),
                    gtin=gtin,
                    product_name=products.get(gtin, ""),
                    identifier=item.epc if item else "",
                    role=item.role if item else "",
                    quantity=f"{item.quantity.normalize():f}"
                    if item and item.quantity is not None
                    else "",
                    unit=item.uom or "" if item else "",
                    location_gln=gln,
                    location_name=places.get(gln, ""),
                    source=sources,
                    destination=targets,
                    reference_documents=references,
                )
            )
    return rows


def _lot_code(item: EventEpc | None) -> str:
    if item is None or not item.lot_key:
        return ""
    key = parse_key(item.lot_key)
    return key.lot or "" if key is not None else ""


def to_csv(rows: Sequence[ExportRow]) -> str:
    return csv_text(COLUMNS, (astuple(row) for row in rows))


def to_xlsx(rows: Sequence[ExportRow]) -> bytes:
    return xlsx_bytes(Sheet("events", COLUMNS, (astuple(row) for row in rows)))


def to_epcis(events: Sequence[EpcisEvent]) -> dict[str, Any]:
    return epcis_document(events)
