"""The owner flags to the agency an event another enterprise recorded on its lot."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from registry.events.flags import flag_event
from registry.lots.service import get_lot
from service.deps import SessionDep
from service.pages.portal.common import FormDep, PortalDep, flash, form_values, see_other

router = APIRouter(prefix="/portal/lots")


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
    flag_event(session, actor=portal.actor, event_pk=event_pk, reason=reason)
    flash(request, "Đã báo sự kiện cho Chi cục.", "The event has been flagged to the agency.")
    return see_other(f"/portal/lots/{lot.id}#journey")
