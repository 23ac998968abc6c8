"""Events an owner flagged: recorded by someone else about its goods."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from registry.events.flags import close_flag, open_flags
from registry.events.journey import step_of
from service.deps import AgencyActor, SessionDep
from service.pages.agency.common import page_context, require_csrf
from service.templating import render

router = APIRouter()
SEE_OTHER = 303


@router.get("/flags", response_class=HTMLResponse)
def flagged_events(request: Request, session: SessionDep, actor: AgencyActor) -> HTMLResponse:
    context = page_context(request)
    context.update({"flags": open_flags(session, actor=actor), "step_of": step_of})
    return render(request, "agency/flags.html", context)


@router.post("/flags/{flag_id}/close")
def close(
    flag_id: int,
    request: Request,
    session: SessionDep,
    actor: AgencyActor,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    require_csrf(request, csrf_token)
    close_flag(session, actor=actor, flag_id=flag_id, note=note)
    return RedirectResponse("/agency/flags", status_code=SEE_OTHER)
