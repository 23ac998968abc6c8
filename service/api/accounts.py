from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from registry.accounts import service as accounts
from registry.accounts.models import ApiKey, Role, User
from registry.accounts.schemas import ApiKeyIn, ApiKeyOut, IssuedApiKeyOut, LoginIn, UserIn, UserOut
from registry.actor import not_found
from registry.enterprises.service import get_enterprise
from registry.pagination import paginate
from registry.schemas import PageOut, ReasonIn
from service.api.common import PageNumber, PerPage, RecordId, page_out
from service.auth import check_sign_in, end_session, start_session
from service.deps import CurrentActor, SessionDep, session_user
from service.ratelimit import limit

router = APIRouter(tags=["accounts"])


@router.post("/auth/login", response_model=UserOut)
def login(body: LoginIn, request: Request, session: SessionDep) -> Any:
    limit(request, "login", per_minute=10)
    user = check_sign_in(session, email=body.email, password=body.password)
    start_session(request, user)
    return user


@router.post("/auth/logout", status_code=204)
def logout(request: Request, session: SessionDep) -> Response:
    end_session(request, session_user(request, session))
    return Response(status_code=204)


@router.get("/auth/me")
def me(actor: CurrentActor) -> dict[str, Any]:
    return {
        "role": actor.role,
        "label": actor.label,
        "enterprise_id": actor.enterprise_id,
        "user_id": actor.user_id,
        "api_key_id": actor.api_key_id,
    }


@router.get("/users", response_model=PageOut[UserOut])
def list_users(
    session: SessionDep, actor: CurrentActor, page: PageNumber = 1, per_page: PerPage = 50
) -> dict[str, Any]:
    statement = select(User).order_by(User.id)
    if not actor.is_admin:
        actor.ensure_sees(actor.enterprise_id)
        statement = statement.where(User.enterprise_id == actor.enterprise_id)
    return page_out(paginate(session, statement, page=page, per_page=per_page), UserOut)


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserIn, session: SessionDep, actor: CurrentActor) -> Any:
    """Admins create any account; an enterprise user invites colleagues to its enterprise.
    Signed-in people only: an API key cannot create accounts."""
    actor.ensure_person()
    if not actor.is_admin:
        if body.role is not Role.enterprise or actor.enterprise_id is None:
            actor.ensure_admin()
        body.enterprise_id = actor.enterprise_id
    enterprise = (
        get_enterprise(session, actor=actor, enterprise_id=body.enterprise_id)
        if body.enterprise_id is not None
        else None
    )
    return accounts.create_user(
        session,
        actor=actor,
        email=body.email,
        password=body.password,
        role=body.role,
        enterprise=enterprise,
        full_name=body.full_name,
    )


def _user(session: SessionDep, actor: CurrentActor, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not actor.can_see(user.enterprise_id):
        raise not_found(("tài khoản", "account"))
    return user


@router.post("/users/{user_id}/deactivate", response_model=UserOut)
def deactivate_user(
    user_id: RecordId, body: ReasonIn, session: SessionDep, actor: CurrentActor
) -> Any:
    """Ends the user's sessions and revokes the keys they made, at once. An enterprise's
    owner deactivates its members; officers anyone but administrators, with a reason."""
    user = _user(session, actor, user_id)
    return accounts.set_user_active(
        session, actor=actor, user=user, active=False, reason=body.reason
    )


@router.post("/users/{user_id}/reactivate", response_model=UserOut)
def reactivate_user(
    user_id: RecordId, body: ReasonIn, session: SessionDep, actor: CurrentActor
) -> Any:
    """The user may sign in again; the keys they made stay revoked."""
    user = _user(session, actor, user_id)
    return accounts.set_user_active(
        session, actor=actor, user=user, active=True, reason=body.reason
    )


@router.get("/api-keys", response_model=PageOut[ApiKeyOut])
def list_api_keys(
    session: SessionDep, actor: CurrentActor, page: PageNumber = 1, per_page: PerPage = 50
) -> dict[str, Any]:
    """Your enterprise's keys, or the keys you made; administrator keys only to administrators."""
    statement = accounts.visible_api_keys(actor)
    return page_out(paginate(session, statement, page=page, per_page=per_page), ApiKeyOut)


@router.post("/api-keys", response_model=IssuedApiKeyOut, status_code=201)
def create_api_key(body: ApiKeyIn, session: SessionDep, actor: CurrentActor) -> Any:
    """A new API key, made by a signed-in person (a key cannot make keys); its secret is
    in this answer only. Agency keys read unless `scope` is `write`."""
    actor.ensure_person()
    if actor.is_admin:
        role, enterprise_id = body.role, body.enterprise_id
    elif actor.enterprise_id is not None:
        role, enterprise_id = Role.enterprise, actor.enterprise_id
    else:
        role, enterprise_id = Role.agency, None
    enterprise = (
        get_enterprise(session, actor=actor, enterprise_id=enterprise_id)
        if enterprise_id is not None
        else None
    )
    issued = accounts.create_api_key(
        session, actor=actor, role=role, enterprise=enterprise, name=body.name, scope=body.scope
    )
    return {**ApiKeyOut.model_validate(issued.api_key).model_dump(), "secret": issued.secret}


@router.delete("/api-keys/{key_id}", status_code=204)
def revoke_api_key(key_id: RecordId, session: SessionDep, actor: CurrentActor) -> Response:
    key = session.get(ApiKey, key_id)
    if key is None or not (
        actor.is_admin
        or (key.enterprise_id is not None and key.enterprise_id == actor.enterprise_id)
    ):
        raise not_found(("khóa API", "API key"))
    accounts.revoke_api_key(session, actor=actor, api_key=key)
    return Response(status_code=204)
