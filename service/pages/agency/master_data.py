"""The GPC publication the agency loads, and how complete enterprises' GS1 master data is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from registry.errors import InvalidInput, TruyxuatError
from registry.gpc.load import MAX_FILE_BYTES
from registry.gpc.service import GpcLoad, count_bricks, load_gpc
from registry.products.gs1_export import completeness_by_enterprise
from service.deps import AgencyActor, SessionDep, agency_actor
from service.i18n import request_language
from service.pages.agency.common import page_context, require_csrf
from service.pages.agency.menu import load_agency_menu
from service.pages.form_text import refuse_bad_form_text
from service.templating import render

router = APIRouter()
# Room for the multipart framing and the CSRF field around the file.
_FORM_OVERHEAD_BYTES = 64 * 1024


def declared_size_within_limit(request: Request) -> None:
    """Refuse an upload larger than a GPC file can be before any of it is read (the body
    is parsed only after the router's dependencies, and never without a declared size)."""
    if request.method != "POST":
        return
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > MAX_FILE_BYTES + _FORM_OVERHEAD_BYTES:
        raise InvalidInput(
            f"Tệp quá lớn (tối đa {MAX_FILE_BYTES // 1024 // 1024} MB).",
            f"The file is too large ({MAX_FILE_BYTES // 1024 // 1024} MB at most).",
            field="file",
        )


# Its own router, so that the size is checked before `refuse_bad_form_text` parses the body;
# and the caller before either: no one but agency staff has a 100 MB body read.
uploads = APIRouter(
    prefix="/agency",
    include_in_schema=False,
    dependencies=[
        Depends(agency_actor),
        Depends(declared_size_within_limit),
        Depends(load_agency_menu),
        Depends(refuse_bad_form_text),
    ],
)


async def _posted_file(request: Request) -> tuple[UploadFile | None, str]:
    form = await request.form(max_files=1, max_fields=2)
    upload = form.get("file")
    token = form.get("csrf_token")
    return (
        upload if isinstance(upload, UploadFile) and upload.filename else None,
        token if isinstance(token, str) else "",
    )


PostedFile = Annotated[tuple[UploadFile | None, str], Depends(_posted_file)]


def _gpc_page(
    request: Request,
    session: SessionDep,
    *,
    loaded: GpcLoad | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = page_context(request)
    context.update({"bricks": count_bricks(session), "loaded": loaded, "error": error})
    return render(request, "agency/gpc.html", context, status_code=status_code)


@uploads.get("/gpc", response_class=HTMLResponse)
def gpc(request: Request, session: SessionDep, actor: AgencyActor) -> HTMLResponse:
    return _gpc_page(request, session)


@uploads.post("/gpc", response_class=HTMLResponse)
def upload_gpc(
    request: Request, session: SessionDep, actor: AgencyActor, posted: PostedFile
) -> HTMLResponse:
    upload, token = posted
    require_csrf(request, token)
    try:
        if upload is None:
            raise InvalidInput("Chọn tệp GPC XML.", "Choose a GPC XML file.", field="file")
        loaded = load_gpc(session, actor=actor, stream=upload.file)
    except InvalidInput as exc:
        session.rollback()
        lang = request_language(request)
        message = exc.message_vi if lang == "vi" else exc.message_en
        return _gpc_page(request, session, error=message, status_code=exc.status)
    except TruyxuatError:
        session.rollback()
        raise
    return _gpc_page(request, session, loaded=loaded)


@router.get("/master-data", response_class=HTMLResponse)
def master_data(request: Request, session: SessionDep, actor: AgencyActor) -> HTMLResponse:
    rows = completeness_by_enterprise(session, actor=actor)
    context = page_context(request)
    context.update({"rows": rows, "bricks": count_bricks(session)})
    return render(request, "agency/master_data.html", context)
