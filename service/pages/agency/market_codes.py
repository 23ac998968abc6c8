"""Planting-area and packing-house codes: record one, change a market's approval with a
reason, see the history, import an approved list (preview, then confirm), set yield
ceilings, and the queue of export lots the guard refused ("Cảnh báo mã vùng trồng")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from registry.actor import Actor
from registry.enterprises.service import legal_names
from registry.errors import InvalidInput, TruyxuatError
from registry.locations.models import Location
from registry.locations.service import find_by_gln
from registry.market_codes.boundary import MAX_BOUNDARY_BYTES, boundary_from_upload
from registry.market_codes.import_list import (
    HEADERS,
    MAX_IMPORT_BYTES,
    Outcome,
    apply_import,
    parse_day,
    parse_households,
    parse_number,
    plan_import,
)
from registry.market_codes.models import ApprovalStatus, MarketCode
from registry.market_codes.service import (
    code_history,
    get_code,
    list_codes,
    list_yield_ceilings,
    mark_refusal_seen,
    open_refusals,
    record_code,
    set_approval,
    set_yield_ceiling,
    update_code,
)
from registry.markets import MARKET_NAMES_VI, market_names
from service.deps import AgencyActor, SessionDep, agency_actor
from service.i18n import request_language
from service.pages.agency.common import CHECKED_FORM, OfficerNote, page_context, require_csrf
from service.pages.agency.menu import load_agency_menu
from service.pages.form_text import SHOWS_ITS_FORM, cleaned_text, refuse_bad_form_text
from service.pages.portal.common import field_errors
from service.templating import render

router = APIRouter()
SEE_OTHER = 303
FormText = Annotated[str, Form(max_length=2000)]
# Room for the form's text fields around the file.
_FORM_OVERHEAD_BYTES = 64 * 1024


def _declared_size_within_limit(request: Request) -> None:
    """Refuse an upload larger than any of these files can be before any of it is read:
    a route's Form() parameters would have the whole body parsed (files spooled to disk)
    before a dependency or the route could look at its size."""
    if request.method != "POST":
        return
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > MAX_IMPORT_BYTES + _FORM_OVERHEAD_BYTES:
        raise InvalidInput(
            f"Tệp quá lớn (tối đa {MAX_IMPORT_BYTES // 1024 // 1024} MB).",
            f"The file is too large ({MAX_IMPORT_BYTES // 1024 // 1024} MB at most).",
            field="file",
        )


# The forms with a file: the size is checked before the body is parsed (the agency
# router's own dependencies parse it), so the app includes this router ahead of it.
uploads = APIRouter(
    prefix="/agency",
    include_in_schema=False,
    dependencies=[
        Depends(agency_actor),  # who asks, before any of the body is read
        Depends(_declared_size_within_limit),
        Depends(load_agency_menu),
        Depends(refuse_bad_form_text),
    ],
)


class Posted:
    """A multipart form read after its size was checked: text fields and at most one file."""

    def __init__(self, form: FormData) -> None:
        self._form = form

    def text(self, name: str) -> str:
        value = self._form.get(name)
        return value if isinstance(value, str) else ""

    def upload(self, name: str) -> UploadFile | None:
        value = self._form.get(name)
        return value if isinstance(value, UploadFile) and value.filename else None


async def _posted(request: Request) -> Posted:
    posted = Posted(await request.form(max_files=1, max_fields=20))
    require_csrf(request, posted.text("csrf_token"))
    return posted


PostedForm = Annotated[Posted, Depends(_posted)]
CODE_FIELDS = (
    "gln",
    "code",
    "markets",
    "issuing_body",
    "crop",
    "area_ha",
    "households",
    "valid_from",
    "valid_to",
    "boundary",
    "reason",
)
EDIT_FIELDS = (
    "issuing_body",
    "crop",
    "area_ha",
    "households",
    "valid_from",
    "valid_to",
    "edit_reason",
)
STATUS_LABELS = {
    ApprovalStatus.active: ("Hiệu lực", "Active"),
    ApprovalStatus.suspended: ("Tạm dừng", "Suspended"),
    ApprovalStatus.revoked: ("Thu hồi", "Revoked"),
}
OUTCOME_LABELS = {
    Outcome.new: ("Mã mới", "New code"),
    Outcome.added: ("Thêm thị trường", "Market added"),
    Outcome.suspended: ("Tạm dừng", "Suspended"),
    Outcome.revoked: ("Bị thu hồi", "Revoked"),
    Outcome.reinstated: ("Khôi phục", "Reinstated"),
    Outcome.unchanged: ("Không đổi", "Unchanged"),
    Outcome.refused: ("Bị từ chối", "Refused"),
}


def _context(request: Request) -> dict[str, Any]:
    lang = request_language(request)
    context = page_context(request)

    def status_label(status: ApprovalStatus) -> str:
        vi, en = STATUS_LABELS[status]
        return vi if lang == "vi" else en

    def market_label(market: str | None) -> str:
        if not market:
            return ""
        vi, en = market_names(market)
        return vi if lang == "vi" else en

    context.update(
        {
            "status_label": status_label,
            "market_label": market_label,
            "statuses": list(ApprovalStatus),
            "markets": MARKET_NAMES_VI,
        }
    )
    return context


def _read_upload(upload: UploadFile | None, limit: int) -> tuple[str, bytes] | None:
    if upload is None or not upload.filename:
        return None
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(
            f"Tệp quá lớn (tối đa {limit // 1000} KB).",
            f"The file is too large ({limit // 1000} KB at most).",
            field="boundary" if limit == MAX_BOUNDARY_BYTES else "file",
        )
    return upload.filename, data


@dataclass(frozen=True)
class Refusal:
    """Why a form is shown again: the messages by field and the status to answer with."""

    errors: dict[str, str]
    status_code: int


NO_REFUSAL = Refusal({}, 200)


def _refusal(
    request: Request,
    session: Session,
    exc: TruyxuatError,
    *,
    renamed: dict[str, str] | None = None,
) -> Refusal:
    """A refused form, for the page to show again with what was typed, nothing of it kept;
    `renamed` maps a service's field name to the form's. Who may not (401, 403) gets the
    error page instead."""
    if exc.status in (401, 403):
        raise exc
    session.rollback()
    errors = field_errors(exc, request_language(request))
    for field, form_field in (renamed or {}).items():
        if field in errors:
            errors[form_field] = errors.pop(field)
    return Refusal(errors, exc.status)


def _location_by_gln(session: Session, gln: str) -> Location:
    location = find_by_gln(session, gln.strip()) if gln.strip() else None
    if location is None:
        raise InvalidInput(
            "Không có địa điểm nào mang GLN này.", "No location has this GLN.", field="gln"
        )
    return location


# --- Codes -------------------------------------------------------------------------------


def _codes_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    values: dict[str, str] | None = None,
    refusal: Refusal = NO_REFUSAL,
) -> HTMLResponse:
    codes = list_codes(session, actor=actor)
    context = _context(request)
    context.update(
        {
            "codes": codes,
            "names": legal_names(session, {c.location.enterprise_id for c in codes}),
            "values": values or {},
            "errors": refusal.errors,
            "done": request.query_params.get("done"),
        }
    )
    return render(request, "agency/market_codes.html", context, status_code=refusal.status_code)


@router.get("/market-codes", response_class=HTMLResponse)
def market_codes(request: Request, session: SessionDep, actor: AgencyActor) -> HTMLResponse:
    return _codes_page(request, session, actor)


@uploads.post("/market-codes", response_class=HTMLResponse, dependencies=[SHOWS_ITS_FORM])
def record(
    request: Request, session: SessionDep, actor: AgencyActor, posted: PostedForm
) -> Response:
    values, refused = cleaned_text({name: posted.text(name) for name in CODE_FIELDS})
    gln, code, markets = values["gln"], values["code"], values["markets"]
    area_ha, households = values["area_ha"], values["households"]
    try:
        if refused is not None:
            raise refused
        upload = _read_upload(posted.upload("boundary_file"), MAX_BOUNDARY_BYTES)
        market_code = record_code(
            session,
            actor=actor,
            location=_location_by_gln(session, gln),
            code=code,
            markets=[m for m in markets.replace(";", ",").split(",") if m.strip()],
            issuing_body=values["issuing_body"],
            crop=values["crop"],
            area_ha=parse_number(area_ha, "area_ha"),
            households=parse_households(households),
            boundary=boundary_from_upload(*upload) if upload else None,
            valid_from=parse_day(values["valid_from"], "valid_from"),
            valid_to=parse_day(values["valid_to"], "valid_to"),
            reason=values["reason"],
        )
    except TruyxuatError as exc:
        refusal = _refusal(request, session, exc)
        return _codes_page(request, session, actor, values=values, refusal=refusal)
    return RedirectResponse(f"/agency/market-codes/{market_code.id}", status_code=SEE_OTHER)


def _code_page(
    request: Request,
    session: Session,
    actor: Actor,
    market_code: MarketCode,
    *,
    values: dict[str, str] | None = None,
    refusal: Refusal = NO_REFUSAL,
) -> HTMLResponse:
    context = _context(request)
    context.update(
        {
            "code": market_code,
            "owner": legal_names(session, {market_code.location.enterprise_id}).get(
                market_code.location.enterprise_id, ""
            ),
            "history": code_history(session, market_code=market_code),
            "values": values or {},
            "errors": refusal.errors,
        }
    )
    return render(request, "agency/market_code.html", context, status_code=refusal.status_code)


@router.get("/market-codes/{code_id}", response_class=HTMLResponse)
def market_code(
    code_id: int, request: Request, session: SessionDep, actor: AgencyActor
) -> HTMLResponse:
    return _code_page(request, session, actor, get_code(session, actor=actor, code_id=code_id))


@router.post(
    "/market-codes/{code_id}/approvals",
    response_class=HTMLResponse,
    dependencies=[CHECKED_FORM, SHOWS_ITS_FORM],
)
def change_approval(
    code_id: int,
    request: Request,
    session: SessionDep,
    actor: AgencyActor,
    market: FormText = "",
    status: FormText = "",
    reason: FormText = "",
) -> Response:
    market_code = get_code(session, actor=actor, code_id=code_id)
    values, refused = cleaned_text({"market": market, "status": status, "reason": reason})
    try:
        if refused is not None:
            raise refused
        if status not in {s.value for s in ApprovalStatus}:
            raise InvalidInput("Chọn trạng thái.", "Choose the status.", field="status")
        set_approval(
            session,
            actor=actor,
            market_code=market_code,
            market=market,
            status=ApprovalStatus(status),
            reason=reason,
        )
    except TruyxuatError as exc:
        refusal = _refusal(request, session, exc)
        return _code_page(request, session, actor, market_code, values=values, refusal=refusal)
    return RedirectResponse(f"/agency/market-codes/{code_id}#history", status_code=SEE_OTHER)


@uploads.post("/market-codes/{code_id}", response_class=HTMLResponse, dependencies=[SHOWS_ITS_FORM])
def edit(
    code_id: int, request: Request, session: SessionDep, actor: AgencyActor, posted: PostedForm
) -> Response:
    market_code = get_code(session, actor=actor, code_id=code_id)
    values, refused = cleaned_text({name: posted.text(name) for name in EDIT_FIELDS})
    try:
        if refused is not None:
            raise refused
        changes: dict[str, Any] = {
            "issuing_body": values["issuing_body"].strip(),
            "crop": values["crop"].strip(),
            "area_ha": parse_number(values["area_ha"], "area_ha"),
            "households": parse_households(values["households"]),
            "valid_from": parse_day(values["valid_from"], "valid_from"),
            "valid_to": parse_day(values["valid_to"], "valid_to"),
        }
        upload = _read_upload(posted.upload("boundary_file"), MAX_BOUNDARY_BYTES)
        if upload is not None:
            changes["boundary"] = boundary_from_upload(*upload)
        update_code(
            session,
            actor=actor,
            market_code=market_code,
            changes=changes,
            reason=values["edit_reason"],
        )
    except TruyxuatError as exc:
        # The edit form's reason field is edit_reason, beside the approval form's reason.
        refusal = _refusal(request, session, exc, renamed={"reason": "edit_reason"})
        return _code_page(request, session, actor, market_code, values=values, refusal=refusal)
    return RedirectResponse(f"/agency/market-codes/{code_id}#history", status_code=SEE_OTHER)


# --- Approved list import -------------------------------------------------------------


def _import_page(
    request: Request, *, context: dict[str, Any], refusal: Refusal = NO_REFUSAL
) -> HTMLResponse:
    full = _context(request)
    full.update(
        {
            "headers": HEADERS,
            "plan": None,
            "result": None,
            "errors": refusal.errors,
            "outcome_labels": OUTCOME_LABELS,
            "outcomes": list(Outcome),
            **context,
        }
    )
    return render(request, "agency/market_code_import.html", full, status_code=refusal.status_code)


@router.get("/market-codes-import", response_class=HTMLResponse)
def import_form(request: Request, actor: AgencyActor) -> HTMLResponse:
    return _import_page(request, context={})


@uploads.post("/market-codes-import", response_class=HTMLResponse)
def run_import(
    request: Request, session: SessionDep, actor: AgencyActor, posted: PostedForm
) -> HTMLResponse:
    """Preview first; confirming sends the same file with the preview's digest, so what
    is applied is what the officer saw (a different file is previewed instead)."""
    actor.ensure_may_write()
    try:
        upload = _read_upload(posted.upload("file"), MAX_IMPORT_BYTES)
        if upload is None:
            raise InvalidInput("Chọn tệp danh sách.", "Choose the list file.", field="file")
        name, data = upload
        plan = plan_import(session, data=data)
    except TruyxuatError as exc:
        return _import_page(request, context={}, refusal=_refusal(request, session, exc))
    if posted.text("decision") == "confirm" and posted.text("digest") == plan.digest:
        result = apply_import(session, actor=actor, plan=plan, source_name=name)
        return _import_page(request, context={"result": result, "plan": plan})
    return _import_page(request, context={"plan": plan, "file_name": name})


# --- Yield ceilings ---------------------------------------------------------------------


def _ceilings_page(
    request: Request,
    session: Session,
    *,
    values: dict[str, str] | None = None,
    refusal: Refusal = NO_REFUSAL,
) -> HTMLResponse:
    context = _context(request)
    context.update(
        {
            "ceilings": list_yield_ceilings(session),
            "values": values or {"season_start_month": "1"},
            "errors": refusal.errors,
        }
    )
    return render(request, "agency/yield_ceilings.html", context, status_code=refusal.status_code)


@router.get("/yield-ceilings", response_class=HTMLResponse)
def yield_ceilings(request: Request, session: SessionDep, actor: AgencyActor) -> HTMLResponse:
    return _ceilings_page(request, session)


@router.post(
    "/yield-ceilings", response_class=HTMLResponse, dependencies=[CHECKED_FORM, SHOWS_ITS_FORM]
)
def set_ceiling(
    request: Request,
    session: SessionDep,
    actor: AgencyActor,
    crop: FormText = "",
    tonnes_per_ha: FormText = "",
    season_start_month: FormText = "1",
    reason: FormText = "",
) -> Response:
    values, refused = cleaned_text(
        {
            "crop": crop,
            "tonnes_per_ha": tonnes_per_ha,
            "season_start_month": season_start_month,
            "reason": reason,
        }
    )
    try:
        if refused is not None:
            raise refused
        tonnes = parse_number(tonnes_per_ha, "tonnes_per_ha")
        if tonnes is None:
            raise InvalidInput(
                "Cần nhập năng suất tối đa.", "Enter the yield ceiling.", field="tonnes_per_ha"
            )
        month = season_start_month.strip()
        set_yield_ceiling(
            session,
            actor=actor,
            crop=crop,
            tonnes_per_ha=tonnes,
            season_start_month=int(month) if month.isdigit() and len(month) <= 2 else 0,
            reason=reason,
        )
    except TruyxuatError as exc:
        return _ceilings_page(
            request, session, values=values, refusal=_refusal(request, session, exc)
        )
    return RedirectResponse("/agency/yield-ceilings", status_code=SEE_OTHER)


# --- The guard's queue ----------------------------------------------------------------


@router.get("/code-warnings", response_class=HTMLResponse)
def code_warnings(request: Request, session: SessionDep, actor: AgencyActor) -> HTMLResponse:
    refusals = open_refusals(session, actor=actor)
    context = _context(request)
    context.update(
        {
            "refusals": refusals,
            "names": legal_names(session, {r.enterprise_id for r in refusals}),
        }
    )
    return render(request, "agency/code_warnings.html", context)


@router.post("/code-warnings/{refusal_id}/seen", dependencies=[CHECKED_FORM])
def seen(
    refusal_id: int, session: SessionDep, actor: AgencyActor, note: OfficerNote = ""
) -> RedirectResponse:
    mark_refusal_seen(session, actor=actor, refusal_id=refusal_id, note=note)
    return RedirectResponse("/agency/code-warnings", status_code=SEE_OTHER)
