"""Team and integration: users, API keys (each secret shown once), the audit trail."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from registry.accounts.models import Role
from registry.accounts.service import (
    api_keys_seen_by,
    create_api_key,
    create_user,
    get_api_key,
    get_user,
    may_manage_user,
    revoke_api_key,
    set_user_active,
    team_members,
)
from registry.audit.service import enterprise_trail
from registry.audit.words import describe
from registry.errors import TruyxuatError
from service.deps import SessionDep
from service.i18n import request_language
from service.pages.portal.common import (
    FormDep,
    Portal,
    PortalDep,
    field_errors,
    flash,
    form_values,
    page,
    refuse_control_characters,
    see_other,
)
from service.pages.portal.steps import VIETNAM_ZONE

router = APIRouter(prefix="/portal/team")
AUDIT_PER_PAGE = 50
ONE_TIME_PASSWORD_BYTES = 9  # 12 URL-safe characters, above MIN_PASSWORD_LENGTH


def _team_page(
    request: Request,
    session: Session,
    portal: Portal,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    shown_once: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    enterprise_id = portal.enterprise.id
    users = team_members(session, enterprise_id=enterprise_id)
    return page(
        request,
        "portal/team.html",
        {
            "users": users,
            "manageable": {
                user.id for user in users if may_manage_user(session, actor=portal.actor, user=user)
            },
            "keys": api_keys_seen_by(session, actor=portal.actor),
            "values": values or {"password_mode": "generate"},
            "errors": errors or {},
            "shown_once": shown_once,
        },
        portal=portal,
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


@router.get("")
def team(request: Request, session: SessionDep, portal: PortalDep) -> Response:
    return _team_page(request, session, portal)


@router.post("/users")
def invite(request: Request, session: SessionDep, portal: PortalDep, form: FormDep) -> Response:
    values = form_values(form, ["email", "full_name", "password_mode"])
    generated = values["password_mode"] != "set"
    password = (
        secrets.token_urlsafe(ONE_TIME_PASSWORD_BYTES)
        if generated
        else str(form.get("password") or "")
    )
    try:
        refuse_control_characters(form)
        user = create_user(
            session,
            actor=portal.actor,
            email=values["email"],
            password=password,
            role=Role.enterprise,
            enterprise=portal.enterprise,
            full_name=values["full_name"],
        )
    except TruyxuatError as exc:
        session.rollback()
        errors = field_errors(exc, request_language(request))
        return _team_page(request, session, portal, values=values, errors=errors, status_code=400)
    # The password is in this response only: never stored in clear, never in a cookie.
    shown = {"kind": "user", "email": user.email}
    if generated:
        shown["secret"] = password
    return _team_page(request, session, portal, shown_once=shown)


@router.post("/users/{user_id}/deactivate")
def deactivate(request: Request, session: SessionDep, portal: PortalDep, user_id: int) -> Response:
    """The owner locks a member out: their sessions and the keys they made stop at once."""
    user = get_user(session, actor=portal.actor, user_id=user_id)
    set_user_active(session, actor=portal.actor, user=user, active=False)
    flash(
        request,
        f"Đã khoá tài khoản {user.email}; các khóa API người này tạo đã bị thu hồi.",
        f"Deactivated {user.email}; the API keys they made are revoked.",
    )
    return see_other("/portal/team")


@router.post("/users/{user_id}/reactivate")
def reactivate(request: Request, session: SessionDep, portal: PortalDep, user_id: int) -> Response:
    user = get_user(session, actor=portal.actor, user_id=user_id)
    set_user_active(session, actor=portal.actor, user=user, active=True)
    flash(request, f"Đã mở lại tài khoản {user.email}.", f"Reactivated {user.email}.")
    return see_other("/portal/team")


@router.post("/keys")
def new_key(request: Request, session: SessionDep, portal: PortalDep, form: FormDep) -> Response:
    values = form_values(form, ["name"])
    try:
        refuse_control_characters(form)
        issued = create_api_key(
            session,
            actor=portal.actor,
            role=Role.enterprise,
            enterprise=portal.enterprise,
            name=values["name"],
        )
    except TruyxuatError as exc:
        session.rollback()
        errors = field_errors(exc, request_language(request))
        return _team_page(request, session, portal, values=values, errors=errors, status_code=400)
    shown = {"kind": "key", "name": values["name"], "secret": issued.secret}
    return _team_page(request, session, portal, shown_once=shown)


@router.post("/keys/{key_id}/revoke")
def revoke(request: Request, session: SessionDep, portal: PortalDep, key_id: int) -> Response:
    key = get_api_key(session, actor=portal.actor, key_id=key_id)
    revoke_api_key(session, actor=portal.actor, api_key=key)
    flash(request, "Đã thu hồi khóa API.", "API key revoked.")
    return see_other("/portal/team")


@router.get("/audit")
def audit(request: Request, session: SessionDep, portal: PortalDep, p: int = 1) -> Response:
    listing = enterprise_trail(
        session, enterprise_id=portal.enterprise.id, page=p, per_page=AUDIT_PER_PAGE
    )
    lang = request_language(request)
    rows = [(entry, *describe(entry, lang)) for entry in listing.items]
    return page(
        request,
        "portal/audit.html",
        {"listing": listing, "rows": rows, "vn_zone": VIETNAM_ZONE},
        portal=portal,
    )
