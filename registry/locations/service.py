"""Farms, packhouses, factories, warehouses and stores, each with a GLN."""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from registry.actor import Actor, not_found
from registry.audit.service import (
    apply_changes,
    record_change,
    refuse_unknown_fields,
    snapshot,
)
from registry.enterprises.models import Enterprise
from registry.errors import Conflict, InvalidInput
from registry.gs1 import GS1Error, parse_gln
from registry.locations.models import Location, LocationKind
from registry.pagination import Page, paginate
from registry.places.service import require_current_ward
from registry.prefixes import service as prefixes

WHAT = ("địa điểm", "location")
EDITABLE = ["name", "kind", "address", "ward_code", "latitude", "longitude"]


def _check_coordinates(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        raise InvalidInput(
            "Cần nhập cả vĩ độ và kinh độ.", "Give both latitude and longitude.", field="latitude"
        )
    if latitude is not None and not -90 <= latitude <= 90:
        raise InvalidInput(
            "Vĩ độ phải từ -90 đến 90.", "Latitude must be within -90..90.", field="latitude"
        )
    if longitude is not None and not -180 <= longitude <= 180:
        raise InvalidInput(
            "Kinh độ phải từ -180 đến 180.",
            "Longitude must be within -180..180.",
            field="longitude",
        )


def gln_in_use(session: Session, gln: str) -> bool:
    return session.scalar(select(Location.id).where(Location.gln == gln)) is not None


def create_location(
    session: Session,
    *,
    actor: Actor,
    enterprise: Enterprise,
    name: str,
    kind: LocationKind,
    address: str = "",
    ward_code: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    gln: str | None = None,
) -> Location:
    actor.ensure_sees(enterprise.id, what=("doanh nghiệp", "enterprise"))
    if not name.strip():
        raise InvalidInput("Cần nhập tên địa điểm.", "The location name is required.", field="name")
    if ward_code is not None:
        require_current_ward(session, ward_code, field="ward_code")
    _check_coordinates(latitude, longitude)
    if gln is not None:
        try:
            value = parse_gln(gln.strip())
        except GS1Error as exc:
            raise InvalidInput(exc.message_vi, exc.message_en, field="gln") from exc
        owner = prefixes.owning_prefix(session, enterprise_id=enterprise.id, key=value)
        if owner is None and not actor.is_agency:
            raise InvalidInput(
                "GLN không thuộc tiền tố mã nào của doanh nghiệp.",
                "The GLN does not belong to any of the enterprise's company prefixes.",
                field="gln",
            )
        if gln_in_use(session, value):
            raise Conflict(
                f"GLN {value} đã được dùng.", f"GLN {value} is already in use.", field="gln"
            )
    else:
        value = prefixes.allocate_gln(
            session,
            prefix=prefixes.default_prefix(session, enterprise=enterprise),
            in_use=partial(gln_in_use, session),
        )
    location = Location(
        enterprise_id=enterprise.id,
        gln=value,
        name=name.strip(),
        kind=kind,
        address=address,
        ward_code=ward_code,
        latitude=latitude,
        longitude=longitude,
    )
    session.add(location)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="create",
        entity="location",
        entity_id=location.id,
        enterprise_id=enterprise.id,
        after=snapshot(location, ["gln", *EDITABLE]),
    )
    return location


def update_location(
    session: Session, *, actor: Actor, location: Location, changes: dict[str, Any]
) -> Location:
    actor.ensure_sees(location.enterprise_id, what=WHAT)
    refuse_unknown_fields(changes, EDITABLE)
    if changes.get("ward_code"):
        require_current_ward(session, changes["ward_code"], field="ward_code")
    _check_coordinates(
        changes.get("latitude", location.latitude), changes.get("longitude", location.longitude)
    )
    apply_changes(
        session,
        actor=actor,
        record=location,
        changes=changes,
        entity="location",
        enterprise_id=location.enterprise_id,
    )
    return location


def get_location(session: Session, *, actor: Actor, location_id: int) -> Location:
    location = session.get(Location, location_id)
    if location is None:
        raise not_found(WHAT)
    actor.ensure_sees(location.enterprise_id, what=WHAT)
    return location


def find_by_gln(session: Session, gln: str) -> Location | None:
    return session.scalar(select(Location).where(Location.gln == gln))


def count_locations(session: Session, *, enterprise_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Location)
            .where(Location.enterprise_id == enterprise_id)
        )
        or 0
    )


def list_locations(
    session: Session,
    *,
    actor: Actor,
    enterprise_id: int | None = None,
    kind: LocationKind | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[Location]:
    statement: Select[Any] = select(Location).order_by(Location.id)
    if not actor.is_agency:
        statement = statement.where(Location.enterprise_id == actor.enterprise_id)
    if enterprise_id is not None:
        statement = statement.where(Location.enterprise_id == enterprise_id)
    if kind:
        statement = statement.where(Location.kind == kind)
    return paginate(session, statement, page=page, per_page=per_page)
