"""Consumer reports: what was reported, about which product and producer, with the
consumer's photo (shown to staff only), and the officer's triage."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from registry.errors import InvalidInput, NotFound, TruyxuatError
from registry.reports.models import ConsumerReport
from registry.reports.service import PHOTO_FORMATS
from registry.reports.subjects import subjects_of
from registry.reports.triage import TriageStatus, get_report, list_reports, triage_report
from service.deps import AgencyActor, SessionDep
from service.i18n import request_language
from service.pages.agency.common import page_context, require_csrf
from service.templating import render

router = APIRouter()
SEE_OTHER = 303
PHOTO_TYPES = frozenset(PHOTO_FORMATS.values())


def _reports_page(
    request: Request,
    session: SessionDep,
    actor: AgencyActor,
    *,
    status: TriageStatus | None,
    refused: dict[int, tuple[str, str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """`refused` is a report's triage that could not be saved: (status, note, message)."""
    listed = list_reports(session, actor=actor, status=status)
    context = page_context(request)
    context.update(
        {
            "reports": listed,
            "subjects": subjects_of(session, [item.report for item in listed]),
            "status": status,
            "statuses": list(TriageStatus),
            "refused": refused or {},
        }
    )
    return render(request, "agency/reports.html", context, status_code=status_code)


@router.get("/reports", response_class=HTMLResponse)
def reports(
    request: Request, session: SessionDep, actor: AgencyActor, status: str = ""
) -> HTMLResponse:
    chosen = TriageStatus(status) if status in TriageStatus.__members__ else None
    return _reports_page(request, session, actor, status=chosen)


@router.get("/reports/{report_id}/photo")
def report_photo(report_id: int, session: SessionDep, actor: AgencyActor) -> Response:
    """The photo as the consumer page stored it (re-encoded, 5 MB at most), never cached
    outside the officer's own browser."""
    report: ConsumerReport = get_report(session, actor=actor, report_id=report_id)
    if not report.photo or report.photo_type not in PHOTO_TYPES:
        raise NotFound("Phản ánh này không có ảnh.", "This report has no photo.")
    return Response(
        report.photo,
        media_type=report.photo_type,
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


@router.post("/reports/{report_id}/triage", response_model=None)
def triage(
    report_id: int,
    request: Request,
    session: SessionDep,
    actor: AgencyActor,
    csrf_token: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    require_csrf(request, csrf_token)
    report = get_report(session, actor=actor, report_id=report_id)
    try:
        if status not in TriageStatus.__members__:
            raise InvalidInput(
                "Hãy chọn một trạng thái trong danh sách.",
                "Choose a status from the list.",
                field="status",
            )
        triage_report(session, actor=actor, report=report, status=TriageStatus(status), note=note)
    except TruyxuatError as exc:
        message = exc.message_vi if request_language(request) == "vi" else exc.message_en
        return _reports_page(
            request,
            session,
            actor,
            status=None,
            refused={report.id: (status, note, message)},
            status_code=exc.status,
        )
    return RedirectResponse(f"/agency/reports#report-{report.id}", status_code=SEE_OTHER)
