"""Labels: choose a lot, a layout and a count, preview, then a print run whose PDF downloads."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from labels.errors import LabelError
from labels.layout import label_drawing
from labels.render import to_svg
from labels.sheets import SheetLayout
from registry.db import after_commit
from registry.errors import InvalidInput, TruyxuatError
from registry.lots.service import get_lot, list_lots
from registry.print_runs.content import lot_label
from registry.print_runs.models import LabelRun, RunStatus, RunTemplate
from registry.print_runs.service import (
    RunLimits,
    check_count,
    create_run,
    get_run,
    list_runs,
    printed_file,
    void_run,
)
from service.deps import SessionDep, get_state
from service.i18n import request_language
from service.pages.portal.common import (
    FormDep,
    Portal,
    PortalDep,
    field_errors,
    flash,
    form_values,
    page,
    refuse_control_characters,
    see_other,
)
from service.print_jobs import checked_layout, drawable
from service.state import start_print_job

router = APIRouter(prefix="/portal/labels")
SHOWN_RUNS = 20
LAYOUTS = [
    ("a4-3x7", "A4, 21 tem (3 × 7)"),
    ("a4-4x10", "A4, 40 tem (4 × 10)"),
    ("roll-50x30", "Cuộn tem 50 × 30 mm"),
    ("roll-40x25", "Cuộn tem 40 × 25 mm"),
    ("roll-70x50", "Cuộn tem 70 × 50 mm"),
    ("a4-2x4", "A4, 8 tem (2 × 4), cho tem xuất khẩu"),
    ("roll-100x70", "Cuộn tem 100 × 70 mm, cho tem xuất khẩu"),
]
TEMPLATES = [
    (RunTemplate.product.value, "Tem truy xuất của sản phẩm"),
    (RunTemplate.export.value, "Tem xuất khẩu theo thị trường của lô (tiếng Việt, Anh, Trung)"),
]
FIELDS = ["lot_id", "template", "layout", "count", "serialized"]


def _layout(name: str) -> SheetLayout:
    if name not in dict(LAYOUTS):
        raise InvalidInput("Chọn khổ tem.", "Choose a label layout.", field="layout")
    return SheetLayout.parse(name)


def _template(name: str) -> RunTemplate:
    if name and name not in dict(TEMPLATES):
        raise InvalidInput("Chọn mẫu tem.", "Choose a label template.", field="template")
    return RunTemplate(name or RunTemplate.product.value)


def _label_errors(error: TruyxuatError, lang: str) -> dict[str, str]:
    """The form's errors; what concerns the lot's export data (its product's Chinese name,
    its codes) is shown by the template choice, the only field of this form it can be."""
    errors: dict[str, str] = {}
    for field, message in field_errors(error, lang).items():
        errors.setdefault(field if field in (*FIELDS, "form") else "template", message)
    return errors


def _limits(request: Request) -> RunLimits:
    return RunLimits.of(get_state(request).settings)


def _count(text: str, limits: RunLimits) -> int:
    if not text.strip().isdigit():
        raise InvalidInput("Nhập số tem.", "Enter the number of labels.", field="count")
    return check_count(int(text), limits=limits)


def _runs(session: Session, portal: Portal) -> list[LabelRun]:
    return list_runs(session, actor=portal.actor, per_page=SHOWN_RUNS).items


def _labels_page(
    request: Request,
    session: Session,
    portal: Portal,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    preview: bool = False,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "portal/labels.html",
        {
            "values": values,
            "errors": errors,
            "lots": list_lots(session, actor=portal.actor, per_page=200).items,
            "layouts": LAYOUTS,
            "templates": TEMPLATES,
            "runs": _runs(session, portal),
            "preview": preview and not errors,
        },
        portal=portal,
        status_code=status_code,
    )


@router.get("")
def labels(request: Request, session: SessionDep, portal: PortalDep) -> Response:
    query = request.query_params
    values = {
        "lot_id": query.get("lot_id", ""),
        "template": query.get("template", RunTemplate.product.value),
        "layout": query.get("layout", LAYOUTS[0][0]),
        "count": query.get("count", "21"),
        # An unticked box is simply absent, so only a submitted form can turn it off.
        "serialized": query.get("serialized", "") if "preview" in query else "on",
    }
    errors: dict[str, str] = {}
    preview = "preview" in query
    if preview:
        try:
            if values["lot_id"].isdigit():
                get_lot(session, actor=portal.actor, lot_id=int(values["lot_id"]))
            else:
                raise InvalidInput("Chọn lô hàng.", "Choose the lot.", field="lot_id")
            template = _template(values["template"])
            if template is RunTemplate.export:
                lot = get_lot(session, actor=portal.actor, lot_id=int(values["lot_id"]))
                base_url = get_state(request).settings.public_base_url
                checked_layout(
                    session, lot, values["layout"], serialized=False, base_url=base_url,
                    template=template,
                )  # fmt: skip
            _layout(values["layout"])
            _count(values["count"], _limits(request))
        except TruyxuatError as exc:
            errors = _label_errors(exc, request_language(request))
    return _labels_page(request, session, portal, values=values, errors=errors, preview=preview)


@router.get("/preview.svg")
def preview_svg(
    request: Request,
    session: SessionDep,
    portal: PortalDep,
    lot_id: int,
    layout: str,
    template: str = RunTemplate.product.value,
) -> Response:
    """One label of the lot as it will print (the serial of a run is not shown)."""
    lot = get_lot(session, actor=portal.actor, lot_id=lot_id)
    sheet = _layout(layout)
    base_url = get_state(request).settings.public_base_url
    content = lot_label(session, lot, base_url=base_url, template=_template(template))
    try:
        drawing = label_drawing(drawable(content), sheet.label)
    except LabelError as exc:
        raise InvalidInput(exc.message_vi, exc.message_en, field="layout") from exc
    return Response(to_svg(drawing), media_type="image/svg+xml")


@router.post("")
def start_run(request: Request, session: SessionDep, portal: PortalDep, form: FormDep) -> Response:
    values = form_values(form, FIELDS)
    try:
        refuse_control_characters(form)
        if not values["lot_id"].isdigit():
            raise InvalidInput("Chọn lô hàng.", "Choose the lot.", field="lot_id")
        lot = get_lot(session, actor=portal.actor, lot_id=int(values["lot_id"]))
        _layout(values["layout"])
        template = _template(values["template"])
        base_url = get_state(request).settings.public_base_url
        serialized = bool(values["serialized"])
        sheet = checked_layout(
            session, lot, values["layout"], serialized=serialized, base_url=base_url,
            template=template,
        )  # fmt: skip
        limits = _limits(request)
        run = create_run(
            session,
            actor=portal.actor,
            lot=lot,
            count=_count(values["count"], limits),
            serialized=serialized,
            layout=sheet.name,
            label_size=sheet.label.name,
            limits=limits,
            template=template,
        )
    except TruyxuatError as exc:
        session.rollback()
        errors = _label_errors(exc, request_language(request))
        return _labels_page(request, session, portal, values=values, errors=errors, status_code=400)
    state = get_state(request)
    run_id = run.id
    after_commit(session, lambda: start_print_job(state, run_id))
    return see_other(f"/portal/labels/runs/{run_id}")


def _run(session: Session, portal: Portal, run_id: int) -> LabelRun:
    return get_run(session, actor=portal.actor, run_id=run_id)


def _run_page(
    request: Request,
    portal: Portal,
    run: LabelRun,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    working = run.status in (RunStatus.pending, RunStatus.rendering) and not run.voided_at
    percent = int(100 * run.progress / run.count) if run.count else 0
    return page(
        request,
        "portal/run.html",
        {
            "run": run,
            "working": working,
            "percent": percent,
            "refresh": get_state(request).settings.print_run_refresh_seconds,
            "layout_name": dict(LAYOUTS).get(run.layout, run.layout),
            "values": values or {},
            "errors": errors or {},
        },
        portal=portal,
        status_code=status_code,
    )


@router.get("/runs/{run_id}")
def run_status(request: Request, session: SessionDep, portal: PortalDep, run_id: int) -> Response:
    return _run_page(request, portal, _run(session, portal, run_id))


@router.post("/runs/{run_id}/void")
def void(
    request: Request, session: SessionDep, portal: PortalDep, form: FormDep, run_id: int
) -> Response:
    """A misprinted run: its labels answer "voided" when scanned; asked to confirm first."""
    run = _run(session, portal, run_id)
    values = form_values(form, ["reason", "confirm"])
    try:
        refuse_control_characters(form)
        if values["confirm"] != "yes":
            raise InvalidInput(
                "Đánh dấu ô xác nhận để huỷ đợt in.",
                "Tick the confirmation box to void the print run.",
                field="confirm",
            )
        void_run(session, actor=portal.actor, run=run, reason=values["reason"])
    except TruyxuatError as exc:
        session.rollback()
        errors = field_errors(exc, request_language(request))
        return _run_page(request, portal, run, values=values, errors=errors, status_code=400)
    flash(request, f"Đã huỷ đợt in #{run.id}.", f"Print run #{run.id} voided.")
    return see_other(f"/portal/labels/runs/{run.id}")


@router.get("/runs/{run_id}/download")
def download(session: SessionDep, portal: PortalDep, run_id: int) -> FileResponse:
    printed = printed_file(_run(session, portal, run_id))
    return FileResponse(printed.path, media_type="application/pdf", filename=printed.filename)
