"""Bulk product import from CSV or XLSX: every row checked, all imported or none."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.responses import Response

from registry.actor import Actor
from registry.enterprises.models import Enterprise
from registry.errors import InvalidInput, TruyxuatError
from registry.products.service import create_product
from registry.spreadsheets import TableLimits, read_table
from service.deps import SessionDep
from service.i18n import request_language
from service.pages.portal.common import (
    FormDep,
    PortalDep,
    flash,
    optional,
    page,
    see_other,
)
from service.pages.portal.products import DETAIL_FIELDS, product_details

router = APIRouter(prefix="/portal/products")
COLUMNS = ["gtin", *DETAIL_FIELDS]
MAX_IMPORT_BYTES = 5 * 1024 * 1024
# openpyxl parses a sheet without a declared dimension (and the shared strings) whole when
# it opens the file, so the unpacked size bounds that work: 10 MB is a few seconds at worst
# and about twice what 5,000 product rows need.
IMPORT_LIMITS = TableLimits(max_rows=5000, max_unpacked_bytes=10_000_000)


@dataclass(frozen=True)
class RowProblem:
    row: int  # as the user sees it in the spreadsheet: the header is row 1
    field: str
    message_vi: str
    message_en: str


@dataclass(frozen=True)
class ImportResult:
    imported: int
    problems: list[RowProblem]


def _file_problem(message_vi: str, message_en: str) -> InvalidInput:
    return InvalidInput(message_vi, message_en, field="file")


def read_rows(data: bytes) -> list[dict[str, str]]:
    """Rows keyed by column name; the first row names the columns."""
    if len(data) > MAX_IMPORT_BYTES:
        raise _file_problem("Tệp lớn hơn 5 MB.", "The file is larger than 5 MB.")
    table = list(read_table(data, limits=IMPORT_LIMITS))
    if not table:
        raise _file_problem("Tệp trống.", "The file is empty.")
    header = [name.strip().lower() for name in table[0]]
    if "name_vi" not in header:
        raise _file_problem(
            "Dòng đầu phải là tên cột, có cột name_vi.",
            "The first row must name the columns, including name_vi.",
        )
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        raise _file_problem(
            f"Cột không được hỗ trợ: {', '.join(unknown)}.",
            f"Unsupported columns: {', '.join(unknown)}.",
        )
    return [dict(zip(header, row, strict=False)) for row in table[1:]]


def import_products(
    session: Session, *, actor: Actor, enterprise: Enterprise, rows: list[dict[str, str]]
) -> ImportResult:
    """Create every row's product, or none: the whole import runs in one savepoint."""
    problems: list[RowProblem] = []
    imported = 0
    outer = session.begin_nested()
    for number, row in enumerate(rows, start=2):
        values = {name: row.get(name, "") or "" for name in COLUMNS}
        if not any(values.values()):
            continue
        savepoint = session.begin_nested()
        try:
            create_product(
                session,
                actor=actor,
                enterprise=enterprise,
                details=product_details(values),
                gtin=optional(values["gtin"]),
            )
            savepoint.commit()
            imported += 1
        except TruyxuatError as exc:
            savepoint.rollback()
            for problem in exc.problems or []:
                problems.append(
                    RowProblem(number, problem.field, problem.message_vi, problem.message_en)
                )
    if problems:
        outer.rollback()
        return ImportResult(imported=0, problems=problems)
    outer.commit()
    return ImportResult(imported=imported, problems=[])


@router.get("/import")
def import_form(request: Request, portal: PortalDep) -> Response:
    return page(request, "portal/import.html", {"columns": COLUMNS}, portal=portal)


@router.get("/import/template.csv")
def import_template() -> Response:
    example = ["", "Gạo ST25", "ST25 rice", "", "Gạo", "5 kg", "", "", "TCVN 11888:2017", "", ""]
    body = ",".join(COLUMNS) + "\n" + ",".join(example) + "\n"
    return Response(
        "\ufeff" + body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="san-pham-mau.csv"'},
    )


@router.post("/import")
def run_import(request: Request, session: SessionDep, portal: PortalDep, form: FormDep) -> Response:
    lang = request_language(request)
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise _file_problem("Chọn tệp CSV hoặc XLSX.", "Choose a CSV or XLSX file.")
        upload.file.seek(0)
        rows = read_rows(upload.file.read(MAX_IMPORT_BYTES + 1))
    except TruyxuatError as exc:
        message = exc.message_vi if lang == "vi" else exc.message_en
        return page(
            request,
            "portal/import.html",
            {"columns": COLUMNS, "errors": {"file": message}},
            portal=portal,
            status_code=400,
        )
    result = import_products(session, actor=portal.actor, enterprise=portal.enterprise, rows=rows)
    if result.problems:
        return page(
            request,
            "portal/import.html",
            {"columns": COLUMNS, "problems": result.problems},
            portal=portal,
            status_code=400,
        )
    flash(
        request,
        f"Đã nhập {result.imported} sản phẩm.",
        f"{result.imported} products imported.",
    )
    return see_other("/portal/products")
