from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from registry.locations import service as locations
from registry.locations.models import LocationKind
from registry.locations.schemas import LocationIn, LocationOut, LocationPatch
from registry.schemas import PageOut
from service.api.common import (
    OptionalId,
    PageNumber,
    PerPage,
    RecordId,
    page_out,
    target_enterprise,
)
from service.deps import CurrentActor, SessionDep

router = APIRouter(prefix="/locations", tags=["locations"])


@router.get("", response_model=PageOut[LocationOut])
def list_locations(
    session: SessionDep,
    actor: CurrentActor,
    enterprise_id: OptionalId = None,
    kind: LocationKind | None = None,
    page: PageNumber = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    result = locations.list_locations(
        session, actor=actor, enterprise_id=enterprise_id, kind=kind, page=page, per_page=per_page
    )
    return page_out(result, LocationOut)


@router.post("", response_model=LocationOut, status_code=201)
def create_location(body: LocationIn, session: SessionDep, actor: CurrentActor) -> Any:
    """Add a location; its GLN is allocated from the enterprise's prefix unless given."""
    enterprise = target_enterprise(session, actor, body.enterprise_id)
    return locations.create_location(
        session,
        actor=actor,
        enterprise=enterprise,
        **body.model_dump(exclude={"enterprise_id"}),
    )


@router.get("/{location_id}", response_model=LocationOut)
def get_location(location_id: RecordId, session: SessionDep, actor: CurrentActor) -> Any:
    return locations.get_location(session, actor=actor, location_id=location_id)


@router.patch("/{location_id}", response_model=LocationOut)
def update_location(
    location_id: RecordId, body: LocationPatch, session: SessionDep, actor: CurrentActor
) -> Any:
    location = locations.get_location(session, actor=actor, location_id=location_id)
    return locations.update_location(
        session, actor=actor, location=location, changes=body.model_dump(exclude_unset=True)
    )
