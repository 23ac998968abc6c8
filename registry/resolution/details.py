"""Everything the consumer page shows beyond the verdict (DESIGN §5)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from registry.certificates.models import Certificate
from registry.events.journey import JourneyStep, lot_journey
from registry.locations.models import Location
from registry.places.models import AdminUnit
from registry.resolution.verdict import Resolution


@dataclass(frozen=True)
class Origin:
    place_name: str | None
    commune: str | None
    province: str | None


@dataclass(frozen=True)
class PageDetails:
    certificates: list[Certificate] = field(default_factory=list)
    origin: Origin | None = None
    journey: list[JourneyStep] = field(default_factory=list)
    # The producer's own ward and province (a self-registered address is often a hamlet).
    producer_place: Origin | None = None


def certificates_for(session: Session, resolution: Resolution) -> list[Certificate]:
    """Certificates of the product, of the lot's origin, and the producer's own."""
    product = resolution.product
    if product is None:
        return []
    scopes = [
        Certificate.product_id == product.id,
        and_(
            Certificate.enterprise_id == product.enterprise_id,
            Certificate.product_id.is_(None),
            Certificate.location_id.is_(None),
        ),
    ]
    lot = resolution.lot
    if lot is not None and lot.origin_location_id is not None:
        scopes.append(Certificate.location_id == lot.origin_location_id)
    rows = session.scalars(select(Certificate).where(or_(*scopes)).order_by(Certificate.kind))
    return list(rows)


def origin_for(session: Session, resolution: Resolution) -> Origin | None:
    """Commune and province of the lot's origin, else of the producer."""
    lot, enterprise = resolution.lot, resolution.enterprise
    place_name = None
    ward_code = None
    origin = (
        session.get(Location, lot.origin_location_id) if lot and lot.origin_location_id else None
    )
    if origin is not None:
        place_name = origin.name
        ward_code = origin.ward_code
    if ward_code is None and enterprise is not None:
        ward_code = enterprise.ward_code
    if ward_code is None:
        return Origin(place_name, None, None) if place_name else None
    return _place(session, place_name, ward_code)


def producer_place_for(session: Session, resolution: Resolution) -> Origin | None:
    enterprise = resolution.enterprise
    if enterprise is None or enterprise.ward_code is None:
        return None
    return _place(session, None, enterprise.ward_code)


def _place(session: Session, place_name: str | None, ward_code: str) -> Origin:
    ward = session.get(AdminUnit, ward_code)
    if ward is None:
        return Origin(place_name, None, None)
    province = session.get(AdminUnit, ward.parent_code) if ward.parent_code else None
    return Origin(place_name, ward.name, province.name if province else None)


def journey_for(session: Session, resolution: Resolution) -> list[JourneyStep]:
    if resolution.lot is None or resolution.lot_code is None:
        return []
    return list(lot_journey(session, gtin=resolution.gtin, lot=resolution.lot_code))


def page_details(session: Session, resolution: Resolution) -> PageDetails:
    if resolution.product is None:
        return PageDetails()
    return PageDetails(
        certificates=certificates_for(session, resolution),
        origin=origin_for(session, resolution),
        journey=journey_for(session, resolution),
        producer_place=producer_place_for(session, resolution),
    )
