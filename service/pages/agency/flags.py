"""Events an owner flagged: recorded by someone else about its goods."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from registry.events.flags import close_flag, open_flags
from registry.events.journey import step_of
from service.deps import AgencyActor, SessionDep
from service.pages.agency.common import CHECKED_FORM, OfficerNote, page_context
from service.templating import render

router = APIRouter()
SEE_OTHER = 303


@router.get("/flags", response_class=HTMLResponse)
def flagged_events(request: Request, session: SessionDep, actor: AgencyActor) -> HTMLResponse:
    context = page_context(request)
    context.update({"flags": open_flags(session, actor=actor), "step_of": step_of})
    return render(request, "agency/flags.html", context)


@router.post("/flags/{flag_id}/close", dependencies=[CHECKED_FORM])
def close(
    flag_id: int, session: SessionDep, actor: AgencyActor, note: OfficerNote = ""
) -> RedirectResponse:
    close_flag(session, actor=actor, flag_id=flag_id, note=note)
    return RedirectResponse("/agency/flags", status_code=SEE_OTHER)
