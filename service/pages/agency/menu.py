"""What the agency menu shows on every agency page: who is signed in, and what waits."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from registry.accounts.models import User
from registry.enterprises.models import EnterpriseStatus
from registry.enterprises.service import count_enterprises, count_pending_identity_changes
from registry.events.flags import count_open_flags
from registry.market_codes.service import count_open_refusals
from registry.prefixes.service import count_pending_requests
from registry.reports.triage import count_new_reports
from service.deps import OptionalActor, SessionDep


@dataclass(frozen=True)
class SignedIn:
    name: str
    email: str


def load_agency_menu(request: Request, session: SessionDep, actor: OptionalActor) -> None:
    if actor is None or not actor.is_agency:
        return
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    request.state.signed_in = SignedIn(user.full_name, user.email) if user else None
    request.state.queue_counts = {
        "enterprises": count_enterprises(session, status=EnterpriseStatus.pending),
        "prefix_requests": count_pending_requests(session),
        "identity_changes": count_pending_identity_changes(session),
        "reports": count_new_reports(session),
        "flags": count_open_flags(session),
        "code_warnings": count_open_refusals(session),
    }
