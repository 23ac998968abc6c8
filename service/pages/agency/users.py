"""Every account, and the officer's switch to lock one out (with the reason why)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from registry.accounts.service import find_users, get_user, may_manage_user, set_user_active
from registry.actor import Actor
from service.deps import AgencyActor, SessionDep
from service.pages.agency.common import page_context, require_csrf
from service.templating import render

router = APIRouter()
SEE_OTHER = 303
USERS_PER_PAGE = 50


@router.get("/users", response_class=HTMLResponse)
def users(
    request: Request, session: SessionDep, actor: AgencyActor, q: str = "", page: int = 1
) -> HTMLResponse:
    text = q.strip()[:200]
    listing = find_users(session, actor=actor, text=text, page=page, per_page=USERS_PER_PAGE)
    context = page_context(request)
    context.update(
        {
            "listing": listing,
            "q": text,
            "manageable": {
                user.id
                for user in listing.items
                if may_manage_user(session, actor=actor, user=user)
            },
            "done": request.query_params.get("done"),
        }
    )
    return render(request, "agency/users.html", context)


def _switch(
    request: Request, session: SessionDep, actor: Actor, user_id: int, *, active: bool, reason: str
) -> RedirectResponse:
    user = get_user(session, actor=actor, user_id=user_id)
    set_user_active(session, actor=actor, user=user, active=active, reason=reason)
    done = "reactivated" if active else "deactivated"
    return RedirectResponse(
        f"/agency/users?{urlencode({'q': user.email, 'done': done})}", status_code=SEE_OTHER
    )


@router.post("/users/{user_id}/deactivate")
def deactivate(
    user_id: int,
    request: Request,
    session: SessionDep,
    actor: AgencyActor,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    """Their sessions end and the keys they made are revoked at once."""
    require_csrf(request, csrf_token)
    return _switch(request, session, actor, user_id, active=False, reason=reason)


@router.post("/users/{user_id}/reactivate")
def reactivate(
    user_id: int,
    request: Request,
    session: SessionDep,
    actor: AgencyActor,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    require_csrf(request, csrf_token)
    return _switch(request, session, actor, user_id, active=True, reason=reason)
