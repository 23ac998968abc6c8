from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.accounts.service import create_user
from registry.actor import signing_up
from registry.enterprises import service as enterprises
from registry.enterprises.models import (
    Enterprise,
    EnterpriseKind,
    EnterpriseStatus,
    IdentityChangeStatus,
)
from registry.enterprises.schemas import (
    EnterpriseDetailOut,
    EnterpriseIn,
    EnterpriseOut,
    EnterprisePatch,
    EnterpriseSignUp,
    IdentityChangeOut,
)
from registry.schemas import PageOut, ReasonIn
from service.api.common import PageNumber, PerPage, RecordId, page_out
from service.deps import AgencyActor, CurrentActor, OptionalActor, SessionDep
from service.ratelimit import limit

router = APIRouter(prefix="/enterprises", tags=["enterprises"])
changes_router = APIRouter(prefix="/identity-changes", tags=["enterprises"])


def _details(body: EnterpriseIn) -> enterprises.EnterpriseDetails:
    values = body.model_dump(
        exclude={"tax_code", "account_email", "account_password", "account_name"}
    )
    return enterprises.EnterpriseDetails(**values)


@router.get("", response_model=PageOut[EnterpriseOut])
def list_enterprises(
    session: SessionDep,
    actor: CurrentActor,
    status: EnterpriseStatus | None = None,
    kind: EnterpriseKind | None = None,
    ward_code: str | None = None,
    q: str | None = None,
    page: PageNumber = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    result = enterprises.list_enterprises(
        session,
        actor=actor,
        status=status,
        kind=kind,
        ward_code=ward_code,
        query=q,
        page=page,
        per_page=per_page,
    )
    return page_out(result, EnterpriseOut)


@router.post("", response_model=EnterpriseOut, status_code=201)
def create_enterprise(body: EnterpriseIn, session: SessionDep, actor: AgencyActor) -> Any:
    """Agency staff register an enterprise on its behalf (it still needs verifying)."""
    return enterprises.register_enterprise(
        session, actor=actor, tax_code=body.tax_code, details=_details(body)
    )


@router.post("/sign-up", response_model=EnterpriseOut, status_code=201)
def sign_up(
    body: EnterpriseSignUp, request: Request, session: SessionDep, actor: OptionalActor
) -> Any:
    """An enterprise registers itself with its first user account; it waits for verification."""
    limit(request, "sign-up", per_minute=10)
    acting = actor or signing_up(body.account_email)
    enterprise = enterprises.register_enterprise(
        session, actor=acting, tax_code=body.tax_code, details=_details(body)
    )
    create_user(
        session,
        actor=acting,
        email=body.account_email,
        password=body.account_password,
        role=Role.enterprise,
        enterprise=enterprise,
        full_name=body.account_name,
    )
    return enterprise


def _detail(session: Session, enterprise: Enterprise) -> EnterpriseDetailOut:
    answer = EnterpriseDetailOut.model_validate(enterprise)
    change = enterprises.pending_identity_change(session, enterprise_id=enterprise.id)
    if change is not None:
        answer.pending_identity_change = IdentityChangeOut.model_validate(change)
    return answer


@router.get("/{enterprise_id}", response_model=EnterpriseDetailOut)
def get_enterprise(enterprise_id: RecordId, session: SessionDep, actor: CurrentActor) -> Any:
    enterprise = enterprises.get_enterprise(session, actor=actor, enterprise_id=enterprise_id)
    return _detail(session, enterprise)


@router.patch(
    "/{enterprise_id}",
    response_model=EnterpriseDetailOut,
    responses={202: {"description": "Saved; the identity change waits for an officer"}},
)
def update_enterprise(
    enterprise_id: RecordId,
    body: EnterprisePatch,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
) -> Any:
    """Contact details change at once. A verified enterprise's legal name, tax code and
    kind wait for an officer (202, with the pending change); until then every page shows
    the verified identity."""
    enterprise = enterprises.get_enterprise(session, actor=actor, enterprise_id=enterprise_id)
    result = enterprises.update_enterprise(
        session, actor=actor, enterprise=enterprise, changes=body.model_dump(exclude_unset=True)
    )
    if result.identity_change is not None:
        response.status_code = 202
    return _detail(session, result.enterprise)


@router.post("/{enterprise_id}/verify", response_model=EnterpriseOut)
def verify(enterprise_id: RecordId, session: SessionDep, actor: AgencyActor) -> Any:
    enterprise = enterprises.get_enterprise(session, actor=actor, enterprise_id=enterprise_id)
    return enterprises.verify_enterprise(session, actor=actor, enterprise=enterprise)


@router.post("/{enterprise_id}/reject", response_model=EnterpriseOut)
def reject(enterprise_id: RecordId, body: ReasonIn, session: SessionDep, actor: AgencyActor) -> Any:
    enterprise = enterprises.get_enterprise(session, actor=actor, enterprise_id=enterprise_id)
    return enterprises.reject_enterprise(
        session, actor=actor, enterprise=enterprise, reason=body.reason
    )


@router.post("/{enterprise_id}/suspend", response_model=EnterpriseOut)
def suspend(
    enterprise_id: RecordId, body: ReasonIn, session: SessionDep, actor: AgencyActor
) -> Any:
    enterprise = enterprises.get_enterprise(session, actor=actor, enterprise_id=enterprise_id)
    return enterprises.suspend_enterprise(
        session, actor=actor, enterprise=enterprise, reason=body.reason
    )


@changes_router.get("", response_model=PageOut[IdentityChangeOut])
def list_identity_changes(
    session: SessionDep,
    actor: CurrentActor,
    status: IdentityChangeStatus | None = None,
    page: PageNumber = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    """The enterprise's own identity changes; for the agency, every one (its queue)."""
    listing = enterprises.list_identity_changes(
        session, actor=actor, status=status, page=page, per_page=per_page
    )
    return page_out(listing, IdentityChangeOut)


@changes_router.get("/{change_id}", response_model=IdentityChangeOut)
def get_identity_change(change_id: RecordId, session: SessionDep, actor: CurrentActor) -> Any:
    return enterprises.get_identity_change(session, actor=actor, change_id=change_id)


@changes_router.post("/{change_id}/approve", response_model=EnterpriseOut)
def approve_identity_change(
    change_id: RecordId, body: ReasonIn, session: SessionDep, actor: AgencyActor
) -> Any:
    """Agency: the new identity takes effect on every page."""
    change = enterprises.get_identity_change(
        session, actor=actor, change_id=change_id, for_decision=True
    )
    return enterprises.approve_identity_change(
        session, actor=actor, change=change, reason=body.reason
    )


@changes_router.post("/{change_id}/reject", response_model=IdentityChangeOut)
def reject_identity_change(
    change_id: RecordId, body: ReasonIn, session: SessionDep, actor: AgencyActor
) -> Any:
    """Agency: the verified identity stays; the enterprise sees the reason."""
    change = enterprises.get_identity_change(
        session, actor=actor, change_id=change_id, for_decision=True
    )
    return enterprises.reject_identity_change(
        session, actor=actor, change=change, reason=body.reason
    )
