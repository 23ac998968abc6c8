"""Every account, and the officer's switch to lock one out (with the reason why)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from registry.accounts.service import find_users, get_user, may_manage_user, set_user_active
from service.deps import AgencyActor, SessionDep
from service.pages.agency.common import CHECKED_FORM, OfficerNote, page_context
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


def _switch_route(*, active: bool) -> Callable[..., RedirectResponse]:
    def switch(
        user_id: int, session: SessionDep, actor: AgencyActor, reason: OfficerNote = ""
    ) -> RedirectResponse:
        user = get_user(session, actor=actor, user_id=user_id)
        set_user_active(session, actor=actor, user=user, active=active, reason=reason)
        done = "reactivated" if active else "deactivated"
        return RedirectResponse(
            f"/agency/users?{urlencode({'q': user.email, 'done': done})}", status_code=SEE_OTHER
        )

    return switch


# Deactivating ends their sessions and revokes the keys they made, at once.
router.post("/users/{user_id}/deactivate", name="deactivate", dependencies=[CHECKED_FORM])(
    _switch_route(active=False)
)
router.post("/users/{user_id}/reactivate", name="reactivate", dependencies=[CHECKED_FORM])(
    _switch_route(active=True)
)
