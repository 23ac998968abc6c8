"""Label previews and serialized print runs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import Field

from labels.layout import LabelSize, label_drawing
from labels.render import to_png, to_svg
from registry.db import after_commit
from registry.errors import InvalidInput
from registry.lots.service import get_lot
from registry.print_runs import service as runs
from registry.print_runs.content import lot_label
from registry.print_runs.models import RunStatus, RunTemplate
from registry.schemas import Id, In, Out, PageOut
from registry.spreadsheets import csv_text
from service.api.common import OptionalId, PageNumber, PerPage, QueryId, RecordId, page_out
from service.deps import CurrentActor, SessionDep, get_state
from service.print_jobs import checked_layout, drawable, run_labels
from service.state import start_print_job

URI_CSV_COLUMNS = ("index", "digital_link", "serial", "lot", "gtin13")

router = APIRouter(tags=["labels"])
WHAT = ("đợt in", "print run")
PREVIEW_DPI_RANGE = (72, 600)


class RunIn(In):
    lot_id: Id
    count: int = Field(ge=1, description="At most TRUYXUAT_PRINT_RUN_MAX_LABELS")
    serialized: bool = True
    layout: str = Field(default="a4-3x7", max_length=32)
    template: RunTemplate = Field(
        default=RunTemplate.product,
        description="export: the export label of the lot's market (at least 70x50 mm)",
    )


class RunOut(Out):
    id: int
    lot_id: int
    count: int
    serialized: bool
    layout: str
    template: RunTemplate
    status: RunStatus
    progress: int
    error: str | None
    created_by: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    voided_at: dt.datetime | None
    void_reason: str | None


class VoidIn(In):
    reason: str = Field(min_length=1, max_length=2000)


@router.get(
    "/labels/preview",
    response_class=Response,
    responses={
        200: {"content": {"image/svg+xml": {}, "image/png": {}}, "description": "The label drawing"}
    },
)
def preview(
    request: Request,
    session: SessionDep,
    actor: CurrentActor,
    lot_id: QueryId,
    size: Annotated[
        str, Query(max_length=32, description="width x height in mm, 15 to 200 each")
    ] = "50x30",
    format: Literal["svg", "png"] = "svg",
    dpi: Annotated[int, Query(description="PNG only: 72 to 600")] = 200,
    template: RunTemplate = RunTemplate.product,
) -> Response:
    """A sample label of a lot (its first serial position shows as a placeholder).

    Bounded: each side 15–200 mm, 72–600 dpi and at most 16 megapixels."""
    low, high = PREVIEW_DPI_RANGE
    if not low <= dpi <= high:
        raise InvalidInput(
            f"Độ phân giải phải từ {low} đến {high} dpi.",
            f"The resolution must be {low} to {high} dpi.",
            field="dpi",
        )
    label_size = LabelSize.parse(size)
    lot = get_lot(session, actor=actor, lot_id=lot_id)
    base_url = get_state(request).settings.public_base_url
    content = lot_label(session, lot, base_url=base_url, template=template)
    drawing = label_drawing(drawable(content), label_size)
    if format == "png":
        return Response(to_png(drawing, dpi=dpi), media_type="image/png")
    return Response(to_svg(drawing), media_type="image/svg+xml")


@router.get("/label-runs", response_model=PageOut[RunOut])
def list_runs(
    session: SessionDep,
    actor: CurrentActor,
    lot_id: OptionalId = None,
    page: PageNumber = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    listing = runs.list_runs(session, actor=actor, lot_id=lot_id, page=page, per_page=per_page)
    return page_out(listing, RunOut)


@router.post("/label-runs", response_model=RunOut, status_code=202)
def create_run(
    body: RunIn, request: Request, response: Response, session: SessionDep, actor: CurrentActor
) -> Any:
    """Record a print run; its PDF renders in the background (poll the run for progress)."""
    state = get_state(request)
    lot = get_lot(session, actor=actor, lot_id=body.lot_id)
    sheet = checked_layout(
        session,
        lot,
        body.layout,
        serialized=body.serialized,
        base_url=state.settings.public_base_url,
        template=body.template,
    )
    run = runs.create_run(
        session,
        actor=actor,
        lot=lot,
        count=body.count,
        serialized=body.serialized,
        layout=sheet.name,
        label_size=sheet.label.name,
        limits=runs.RunLimits.of(state.settings),
        template=body.template,
    )
    after_commit(session, lambda: start_print_job(state, run.id))
    response.headers["Location"] = f"/api/v1/label-runs/{run.id}"
    return run


@router.get("/label-runs/{run_id}", response_model=RunOut)
def get_run(run_id: RecordId, session: SessionDep, actor: CurrentActor) -> Any:
    return runs.get_run(session, actor=actor, run_id=run_id)


@router.get(
    "/label-runs/{run_id}/output.pdf",
    response_class=FileResponse,
    responses={200: {"content": {"application/pdf": {}}, "description": "The run's PDF"}},
)
def download_pdf(run_id: RecordId, session: SessionDep, actor: CurrentActor) -> FileResponse:
    printed = runs.printed_file(runs.get_run(session, actor=actor, run_id=run_id))
    return FileResponse(printed.path, media_type="application/pdf", filename=printed.filename)


@router.get(
    "/label-runs/{run_id}/uris.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "One Digital Link per label"}},
)
def download_uris(
    request: Request, run_id: RecordId, session: SessionDep, actor: CurrentActor
) -> StreamingResponse:
    """Every label's Digital Link (and serial), for print shops that print variable data."""
    run = runs.get_run(session, actor=actor, run_id=run_id)
    base_url = get_state(request).settings.public_base_url
    rows = (
        [index, label.digital_link, label.serial, label.lot, label.gtin13]
        for index, label in enumerate(run_labels(session, run, base_url=base_url), start=1)
    )
    body = csv_text(URI_CSV_COLUMNS, rows, lineterminator="\n")
    return StreamingResponse(
        iter([body.encode()]),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="uris-run{run.id}.csv"'},
    )


@router.post("/label-runs/{run_id}/void", response_model=RunOut)
def void_run(run_id: RecordId, body: VoidIn, session: SessionDep, actor: CurrentActor) -> Any:
    """Void a run: its serials answer as void on the consumer page from now on."""
    run = runs.get_run(session, actor=actor, run_id=run_id)
    return runs.void_run(session, actor=actor, run=run, reason=body.reason)
