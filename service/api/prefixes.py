from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from registry.pagination import paginate
from registry.prefixes import service as prefixes
from registry.prefixes.models import CompanyPrefix, PrefixSource
from registry.schemas import PageOut, PrefixAssignIn, PrefixIn, PrefixOut
from service.api.common import (
    OptionalId,
    PageNumber,
    PerPage,
    RecordId,
    page_out,
    target_enterprise,
)
from service.deps import AgencyActor, CurrentActor, SessionDep

router = APIRouter(prefix="/prefixes", tags=["prefixes"])


@router.get("", response_model=PageOut[PrefixOut])
def list_prefixes(
    session: SessionDep,
    actor: CurrentActor,
    enterprise_id: OptionalId = None,
    source: PrefixSource | None = None,
    unassigned: bool = False,
    page: PageNumber = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    statement = select(CompanyPrefix).order_by(CompanyPrefix.prefix)
    if not actor.is_agency:
        statement = statement.where(CompanyPrefix.enterprise_id == actor.enterprise_id)
    if enterprise_id is not None:
        statement = statement.where(CompanyPrefix.enterprise_id == enterprise_id)
    if source is not None:
        statement = statement.where(CompanyPrefix.source == source)
    if unassigned:
        statement = statement.where(CompanyPrefix.enterprise_id.is_(None))
    return page_out(paginate(session, statement, page=page, per_page=per_page), PrefixOut)


@router.post("", response_model=PrefixOut, status_code=201)
def record_own_prefix(body: PrefixIn, session: SessionDep, actor: CurrentActor) -> Any:
    """Record the company prefix GS1 Vietnam licensed to the enterprise."""
    enterprise = target_enterprise(session, actor, body.enterprise_id)
    return prefixes.record_own_prefix(
        session, actor=actor, enterprise=enterprise, prefix=body.prefix
    )


@router.post("/pool", response_model=PrefixOut, status_code=201)
def add_pool_prefix(body: PrefixIn, session: SessionDep, actor: CurrentActor) -> Any:
    """Admin: add a prefix the agency holds to the pool it assigns from."""
    return prefixes.add_pool_prefix(session, actor=actor, prefix=body.prefix)


@router.post("/assign", response_model=PrefixOut, status_code=201)
def assign_pool_prefix(body: PrefixAssignIn, session: SessionDep, actor: AgencyActor) -> Any:
    """Agency: assign the next free pool prefix to an enterprise."""
    enterprise = target_enterprise(session, actor, body.enterprise_id)
    return prefixes.assign_pool_prefix(
        session, actor=actor, enterprise=enterprise, prefix_length=body.prefix_length
    )


@router.get("/{prefix_id}", response_model=PrefixOut)
def get_prefix(prefix_id: RecordId, session: SessionDep, actor: CurrentActor) -> Any:
    return prefixes.get_prefix(session, actor=actor, prefix_id=prefix_id)
