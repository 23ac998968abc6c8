"""Requests that wait for an officer: company prefixes (with the licence evidence) and
changes to a verified enterprise's identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from registry.enterprises.models import IdentityChangeStatus
from registry.enterprises.service import (
    approve_identity_change,
    get_identity_change,
    list_identity_changes,
    reject_identity_change,
)
from registry.errors import NotFound
from registry.prefixes.models import PrefixRequestStatus
from registry.prefixes.service import (
    clashes_of,
    get_prefix_request,
    grant_prefix_request,
    list_prefix_requests,
    reject_prefix_request,
)
from service.deps import AgencyActor, SessionDep
from service.pages.agency.common import page_context, require_csrf
from service.pages.portal.images import media_root, stored_image
from service.templating import render

router = APIRouter()
SEE_OTHER = 303
CsrfForm = Annotated[str, Form()]


@router.get("/prefix-requests", response_class=HTMLResponse)
def prefix_requests(
    request: Request, session: SessionDep, actor: AgencyActor, page: int = 1
) -> HTMLResponse:
    listing = list_prefix_requests(
        session,
        actor=actor,
        status=PrefixRequestStatus.pending,
        page=max(1, min(page, 100_000)),
        per_page=50,
    )
    context = page_context(request)
    context.update(
        {
            "listing": listing,
            "clashes": {item.id: clashes_of(session, item) for item in listing.items},
            "done": request.query_params.get("done"),
        }
    )
    return render(request, "agency/prefix_requests.html", context)


@router.get("/prefix-requests/{request_id}/certificate")
def certificate_scan(
    request_id: int, request: Request, session: SessionDep, actor: AgencyActor
) -> FileResponse:
    found = get_prefix_request(session, actor=actor, request_id=request_id)
    path = stored_image(media_root(request), found.certificate_path or "")
    if path is None:
        raise NotFound("Yêu cầu này không có ảnh giấy chứng nhận.", "This request has no scan.")
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private"})


@router.post("/prefix-requests/{request_id}/grant")
def grant(
    request_id: int,
    request: Request,
    session: SessionDep,
    actor: AgencyActor,
    csrf_token: CsrfForm = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    require_csrf(request, csrf_token)
    found = get_prefix_request(session, actor=actor, request_id=request_id, for_decision=True)
    grant_prefix_request(session, actor=actor, request=found, reason=reason)
    return RedirectResponse("/agency/prefix-requests?done=granted", status_code=SEE_OTHER)


@router.post("/prefix-requests/{request_id}/reject")
def reject(
    request_id: int,
    request: Request,
    session: SessionDep,
    actor: AgencyActor,
    csrf_token: CsrfForm = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    require_csrf(request, csrf_token)
    found = get_prefix_request(session, actor=actor, request_id=request_id, for_decision=True)
    reject_prefix_request(session, actor=actor, request=found, reason=reason)
    return RedirectResponse("/agency/prefix-requests?done=rejected", status_code=SEE_OTHER)


@router.get("/identity-changes", response_class=HTMLResponse)
def identity_changes(
    request: Request, session: SessionDep, actor: AgencyActor, page: int = 1
) -> HTMLResponse:
    listing = list_identity_changes(
        session,
        actor=actor,
        status=IdentityChangeStatus.pending,
        page=max(1, min(page, 100_000)),
        per_page=50,
    )
    context = page_context(request)
    context.update({"listing": listing, "done": request.query_params.get("done")})
    return render(request, "agency/identity_changes.html", context)


@router.post("/identity-changes/{change_id}/approve")
def approve_change(
    change_id: int,
    request: Request,
    session: SessionDep,
    actor: AgencyActor,
    csrf_token: CsrfForm = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    require_csrf(request, csrf_token)
    change = get_identity_change(session, actor=actor, change_id=change_id, for_decision=True)
    approve_identity_change(session, actor=actor, change=change, reason=reason)
    return RedirectResponse("/agency/identity-changes?done=approved", status_code=SEE_OTHER)


@router.post("/identity-changes/{change_id}/reject")
def reject_change(
    change_id: int,
    request: Request,
    session: SessionDep,
    actor: AgencyActor,
    csrf_token: CsrfForm = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    require_csrf(request, csrf_token)
    change = get_identity_change(session, actor=actor, change_id=change_id, for_decision=True)
    reject_identity_change(session, actor=actor, change=change, reason=reason)
    return RedirectResponse("/agency/identity-changes?done=rejected", status_code=SEE_OTHER)
