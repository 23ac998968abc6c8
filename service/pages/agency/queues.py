"""Work queues: enterprises to verify, suspicious codes, consumer reports, certificates
expiring soon, and the business register import."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import UploadFile

from registry.certificates.service import list_certificates
from registry.enterprises.models import EnterpriseStatus
from registry.enterprises.service import (
    get_enterprise,
    legal_names,
    list_enterprises,
    reject_enterprise,
    verify_enterprise,
)
from registry.errors import InvalidInput
from registry.places.service import unit_names
from registry.population.service import import_population, register_state
from registry.prefixes.service import pending_requests_of
from registry.resolution.verdict_table import verdict_for
from registry.scans.service import Thresholds
from registry.scans.suspicious import scans_of_serial, suspicious_serials
from service.deps import AgencyActor, SessionDep, SettingsDep, agency_actor
from service.pages.agency.common import page_context, require_csrf, today
from service.pages.agency.menu import load_agency_menu
from service.pages.form_text import refuse_bad_form_text
from service.templating import render

router = APIRouter()
EXPIRING_DAYS = 60
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
SEE_OTHER = 303


@router.get("/enterprises", response_class=HTMLResponse)
def pending_enterprises(
    request: Request, session: SessionDep, actor: AgencyActor, page: int = 1
) -> HTMLResponse:
    listing = list_enterprises(
        session, actor=actor, status=EnterpriseStatus.pending, page=page, per_page=50
    )
    wards = unit_names(session, {e.ward_code for e in listing.items if e.ward_code})
    prefix_requests = pending_requests_of(session, enterprise_ids=[e.id for e in listing.items])
    context = page_context(request)
    context.update(
        {
            "listing": listing,
            "wards": wards,
            "prefix_requests": prefix_requests,
            "done": request.query_params.get("done"),
        }
    )
    return render(request, "agency/enterprises.html", context)


@router.post("/enterprises/{enterprise_id}/verify")
def verify(
    enterprise_id: int,
    request: Request,
    session: SessionDep,
    actor: AgencyActor,
    csrf_token: Annotated[str, Form()] = "",
) -> RedirectResponse:
    require_csrf(request, csrf_token)
    enterprise = get_enterprise(session, actor=actor, enterprise_id=enterprise_id)
    verify_enterprise(session, actor=actor, enterprise=enterprise)
    return RedirectResponse("/agency/enterprises?done=verified", status_code=SEE_OTHER)


@router.post("/enterprises/{enterprise_id}/reject")
def reject(
    enterprise_id: int,
    request: Request,
    session: SessionDep,
    actor: AgencyActor,
    csrf_token: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> RedirectResponse:
    require_csrf(request, csrf_token)
    enterprise = get_enterprise(session, actor=actor, enterprise_id=enterprise_id)
    reject_enterprise(session, actor=actor, enterprise=enterprise, reason=reason)
    return RedirectResponse("/agency/enterprises?done=rejected", status_code=SEE_OTHER)


@router.get("/suspicious", response_class=HTMLResponse)
def suspicious(
    request: Request, session: SessionDep, settings: SettingsDep, actor: AgencyActor
) -> HTMLResponse:
    serials = suspicious_serials(
        session,
        today=dt.datetime.now(dt.UTC).date(),
        thresholds=Thresholds.of(settings),
    )
    cards = {kind: verdict_for(kind) for kind in {s.verdict for s in serials}}
    context = page_context(request)
    context.update({"serials": serials, "settings": settings, "cards": cards})
    return render(request, "agency/suspicious.html", context)


@router.get("/suspicious/{gtin}/{serial}", response_class=HTMLResponse)
def serial_scans(
    gtin: str,
    serial: str,
    request: Request,
    session: SessionDep,
    actor: AgencyActor,
    lot: str = "",
) -> HTMLResponse:
    scans = scans_of_serial(session, gtin=gtin, lot=lot, serial=serial)
    codes = {s.ward_code for s in scans if s.ward_code} | {
        s.province_code for s in scans if s.province_code
    }
    places = unit_names(session, codes)
    context = page_context(request)
    context.update({"gtin": gtin, "lot": lot, "serial": serial, "scans": scans, "places": places})
    return render(request, "agency/serial.html", context)


@router.get("/certificates", response_class=HTMLResponse)
def expiring_certificates(
    request: Request, session: SessionDep, actor: AgencyActor, days: int = EXPIRING_DAYS
) -> HTMLResponse:
    days = max(1, min(days, 730))
    horizon = today() + dt.timedelta(days=days)
    listing = list_certificates(session, actor=actor, expiring_before=horizon, per_page=200)
    certificates = sorted(
        (c for c in listing.items if c.valid_until is not None and c.valid_until >= today()),
        key=lambda c: (c.valid_until, c.id),
    )
    names = legal_names(session, {c.enterprise_id for c in certificates})
    context = page_context(request)
    context.update({"certificates": certificates, "names": names, "days": days})
    return render(request, "agency/certificates.html", context)


@router.get("/population", response_class=HTMLResponse)
def population(request: Request, session: SessionDep, actor: AgencyActor) -> HTMLResponse:
    register = register_state(session)
    context = page_context(request)
    context.update({"count": register.entries, "latest": register.imported_at, "result": None})
    return render(request, "agency/population.html", context)


# Its own router, included ahead of the agency's (whose form check would read the body
# first): the caller is checked before any of the body is read, and the body is counted
# as it arrives and refused past MAX_UPLOAD_BYTES and the form around it
# (service/body_limits.py), never held whole before its size is known.
population_uploads = APIRouter(
    prefix="/agency",
    include_in_schema=False,
    dependencies=[
        Depends(agency_actor),
        Depends(load_agency_menu),
        Depends(refuse_bad_form_text),
    ],
)


async def _posted_register(request: Request) -> tuple[UploadFile | None, str]:
    form = await request.form(max_files=1, max_fields=2)
    upload, token = form.get("file"), form.get("csrf_token")
    return (
        upload if isinstance(upload, UploadFile) and upload.filename else None,
        token if isinstance(token, str) else "",
    )


PostedRegister = Annotated[tuple[UploadFile | None, str], Depends(_posted_register)]


@population_uploads.post("/population", response_class=HTMLResponse)
def upload_population(
    request: Request, session: SessionDep, actor: AgencyActor, posted: PostedRegister
) -> HTMLResponse:
    upload, token = posted
    require_csrf(request, token)
    if upload is None:
        raise InvalidInput(
            "Chọn tệp sổ đăng ký kinh doanh.", "Choose the business register file.", field="file"
        )
    data = upload.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput(
            "Tệp quá lớn (tối đa 20 MB).", "The file is too large (20 MB at most).", field="file"
        )
    result = import_population(session, actor=actor, data=data)
    context = page_context(request)
    context.update({"count": result.imported, "latest": None, "result": result})
    return render(request, "agency/population.html", context)
