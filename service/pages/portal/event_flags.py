"""Events others recorded on the enterprise's lots; the owner flags one to the agency."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from registry.events.flags import flag_event, third_party_events
from registry.events.journey import STEP_TITLES, step_of
from registry.lots.service import get_lot
from service.deps import SessionDep
from service.pages.portal.common import (
    FormDep,
    PortalDep,
    flash,
    form_values,
    page,
    refuse_control_characters,
    see_other,
)
from service.pages.portal.steps import VIETNAM_ZONE

router = APIRouter(prefix="/portal/lots")
overview = APIRouter()


@router.post("/{lot_id}/events/{event_pk}/flag")
def flag(
    request: Request,
    session: SessionDep,
    portal: PortalDep,
    form: FormDep,
    lot_id: int,
    event_pk: int,
) -> Response:
    lot = get_lot(session, actor=portal.actor, lot_id=lot_id)
    reason = form_values(form, ["reason"])["reason"]
    refuse_control_characters(form)
    flag_event(session, actor=portal.actor, event_pk=event_pk, reason=reason)
    flash(request, "Đã báo sự kiện cho Chi cục.", "The event has been flagged to the agency.")
    return see_other(f"/portal/lots/{lot.id}#journey")


@overview.get("/portal/events")
def events_by_others(request: Request, session: SessionDep, portal: PortalDep) -> Response:
    enterprise_id = portal.actor.enterprise_id
    listed = third_party_events(session, enterprise_id=enterprise_id) if enterprise_id else []
    return page(
        request,
        "portal/events.html",
        {"events": listed, "step_of": step_of, "titles": STEP_TITLES, "vn_zone": VIETNAM_ZONE},
        portal=portal,
    )
