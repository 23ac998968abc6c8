"""Every enterprise's consignments, each with its dossier (the API serves the files to a
signed-in officer as to the owner)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from registry.consignments.service import list_consignments
from registry.enterprises.service import legal_names
from service.deps import AgencyActor, SessionDep
from service.pages.agency.common import page_context
from service.templating import render

router = APIRouter()


@router.get("/consignments", response_class=HTMLResponse)
def consignments(request: Request, session: SessionDep, actor: AgencyActor) -> HTMLResponse:
    listing = list_consignments(session, actor=actor, per_page=200)
    context = page_context(request)
    context.update(
        {
            "consignments": listing.items,
            "total": listing.total,
            "names": legal_names(session, {c.enterprise_id for c in listing.items}),
        }
    )
    return render(request, "agency/consignments.html", context)
