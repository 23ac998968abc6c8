"""The consignment dossier: what an importing market's inspector reads about one shipment
(lots, products, growing-area and packhouse codes, certificate, treatment, lab results,
container, importer) and the EPCIS events behind it (harvest, pack, shipping)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.consignments.details import LabResult, Treatment
from registry.consignments.models import Consignment
from registry.events.documents import epcis_document
from registry.events.models import EpcisEvent, EventEpc, TraceLink
from registry.events.query import visible_to
from registry.events.trace import lot_node
from registry.market_codes.service import export_codes_for_lot

# How far back the dossier follows a lot's inputs (packing, then harvest lots, and a few
# processing steps between).
UPSTREAM_STEPS: Final = 10


@dataclass(frozen=True)
class DossierLot:
    code: str
    gtin: str
    product_vi: str
    product_en: str | None
    product_zh: str | None
    quantity: Decimal
    unit: str
    harvested_on: dt.date | None
    growing_area: str | None
    growing_area_code: str | None
    packhouse: str | None
    packhouse_code: str | None


@dataclass(frozen=True)
class Dossier:
    consignment: Consignment
    exporter_name: str
    exporter_tax_code: str
    exporter_address: str
    packhouse_name: str
    packhouse_gln: str
    lots: Sequence[DossierLot]
    treatment: Treatment
    lab_results: Sequence[LabResult]


def dossier_of(session: Session, *, consignment: Consignment) -> Dossier:
    """The dossier's plain data (the caller has checked that the actor sees it)."""
    enterprise = consignment.enterprise
    lots = []
    for item in consignment.lots:
        lot = item.lot
        product = lot.product
        area = lot.origin_location
        codes = export_codes_for_lot(session, lot)
        lots.append(
            DossierLot(
                code=lot.code,
                gtin=product.gtin,
                product_vi=product.name_vi,
                product_en=product.name_en,
                product_zh=product.name_zh,
                quantity=item.quantity,
                unit=item.unit,
                harvested_on=lot.production_on,
                growing_area=area.name if area is not None else None,
                growing_area_code=codes.growing_area_code if codes else None,
                packhouse=codes.packhouse_name if codes else None,
                packhouse_code=codes.packhouse_code if codes else None,
            )
        )
    return Dossier(
        consignment=consignment,
        exporter_name=enterprise.legal_name,
        exporter_tax_code=enterprise.tax_code,
        exporter_address=enterprise.address,
        packhouse_name=consignment.location.name,
        packhouse_gln=consignment.location.gln,
        lots=lots,
        treatment=Treatment.from_data(consignment.treatment),
        lab_results=[LabResult(**row) for row in consignment.lab_results],
    )


def _with_inputs(session: Session, nodes: set[str]) -> set[str]:
    """The lots and what went into them, UPSTREAM_STEPS transformations back."""
    found = set(nodes)
    frontier = set(nodes)
    for _ in range(UPSTREAM_STEPS):
        if not frontier:
            break
        inputs = set(
            session.scalars(select(TraceLink.from_node).where(TraceLink.to_node.in_(frontier)))
        )
        frontier = inputs - found
        found |= frontier
    return found


def dossier_events(session: Session, *, actor: Actor, consignment: Consignment) -> list[EpcisEvent]:
    """Every event of the consignment's lots and of their inputs that the actor may see,
    oldest first: harvest, packing, shipping."""
    nodes = _with_inputs(session, {lot_node(item.lot) for item in consignment.lots})
    statement = select(EpcisEvent).where(
        EpcisEvent.id.in_(
            select(EventEpc.event_pk).where(
                or_(EventEpc.node.in_(sorted(nodes)), EventEpc.lot_key.in_(sorted(nodes)))
            )
        )
    )
    visibility = visible_to(actor)
    if visibility is not None:
        statement = statement.where(visibility)
    return list(session.scalars(statement.order_by(EpcisEvent.event_time, EpcisEvent.id)))


def dossier_document(session: Session, *, actor: Actor, consignment: Consignment) -> dict[str, Any]:
    """The EPCIS 2.0 JSON-LD document of the dossier."""
    return epcis_document(dossier_events(session, actor=actor, consignment=consignment))
