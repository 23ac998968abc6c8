"""Bulk product import from CSV or XLSX: every row checked, all imported or none."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.responses import Response

from registry.actor import Actor
from registry.enterprises.models import Enterprise
from registry.errors import InvalidInput, TruyxuatError
from registry.products.service import create_product
from registry.spreadsheets import (
    CSV_TYPE,
    XLSX_TYPE,
    Sheet,
    TableLimits,
    csv_text,
    read_table,
    xlsx_bytes,
)
from registry.vn import fold_vietnamese
from service.deps import SessionDep
from service.i18n import request_language
from service.pages.portal.common import (
    FormDep,
    Portal,
    PortalDep,
    flash,
    optional,
    page,
    refuse_control_characters,
    see_other,
)
from service.pages.portal.products import DETAIL_FIELDS, product_details

router = APIRouter(prefix="/portal/products")
COLUMNS = ["gtin", *DETAIL_FIELDS]
# The template's headers, in Vietnamese; the English field names still work, with or
# without accents, in any case, and a note in brackets ("Tên sản phẩm (bắt buộc)").
HEADERS = {
    "gtin": "Mã GTIN",
    "name_vi": "Tên sản phẩm",
    "name_en": "Tên tiếng Anh",
    "brand": "Nhãn hiệu",
    "category": "Loại sản phẩm",
    "net_content": "Khối lượng tịnh",
    "description_vi": "Mô tả",
    "description_en": "Mô tả tiếng Anh",
    "standards_applied": "Tiêu chuẩn áp dụng",
    "warnings_vi": "Cảnh báo",
    "warnings_en": "Cảnh báo tiếng Anh",
    "net_content_value": "Giá trị khối lượng tịnh",
    "net_content_unit": "Đơn vị khối lượng tịnh",
    "gpc_brick_code": "Mã brick GPC",
    "target_markets": "Thị trường mục tiêu",
    "image_url": "Đường dẫn ảnh",
}
_BRACKETED_NOTE = re.compile(r"\(.*?\)|\*")
COLUMN_OF_HEADER = {
    **{fold_vietnamese(name): name for name in COLUMNS},
    **{fold_vietnamese(header): name for name, header in HEADERS.items()},
    "ma san pham": "gtin",
    "ten": "name_vi",
    "ten tieng viet": "name_vi",
    "nhan hang": "brand",
    "thuong hieu": "brand",
    "nhom san pham": "category",
    "khoi luong": "net_content",
    "quy cach": "net_content",
}
TEMPLATE_EXAMPLE = {
    "name_vi": "Gạo ST25",
    "name_en": "ST25 rice",
    "category": "Gạo",
    "net_content": "5 kg",
    "standards_applied": "TCVN 11888:2017",
    "net_content_value": "5",
    "net_content_unit": "KGM",
    "target_markets": "VN",
}
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


def column_of(header: str) -> str | None:
    """The field a column header names: "Tên sản phẩm", "ten san pham (bat buoc)", "name_vi"."""
    return COLUMN_OF_HEADER.get(fold_vietnamese(_BRACKETED_NOTE.sub(" ", header)))


@dataclass(frozen=True)
class ImportTable:
    rows: list[dict[str, str]]
    header_of: dict[str, str]  # field → the header as the file wrote it, for messages


def read_rows(data: bytes) -> ImportTable:
    """Rows keyed by field; the first row names the columns (Vietnamese or field names)."""
    if len(data) > MAX_IMPORT_BYTES:
        raise _file_problem("Tệp lớn hơn 5 MB.", "The file is larger than 5 MB.")
    table = list(read_table(data, limits=IMPORT_LIMITS))
    if not table:
        raise _file_problem("Tệp trống.", "The file is empty.")
    headers = [name.strip() for name in table[0]]
    fields = [column_of(name) if name else "" for name in headers]
    if "name_vi" not in fields:
        raise _file_problem(
            f"Dòng đầu phải là tên các cột, trong đó có cột “{HEADERS['name_vi']}”. "
            "Hãy dùng tệp mẫu.",
            f"The first row must name the columns, including “{HEADERS['name_vi']}” "
            "(name_vi). Start from the template.",
        )
    unknown = [name for name, field in zip(headers, fields, strict=True) if field is None]
    if unknown:
        raise _file_problem(
            f"Không hiểu tên cột: {', '.join(unknown)}. Tên cột dùng được: "
            f"{', '.join(HEADERS.values())}.",
            f"Unknown columns: {', '.join(unknown)}. Columns that can be used: "
            f"{', '.join(COLUMNS)} (or their Vietnamese names in the template).",
        )
    header_of = {field: name for name, field in zip(headers, fields, strict=True) if field}
    rows = [
        {field: cell for field, cell in zip(fields, row, strict=False) if field}
        for row in table[1:]
    ]
    return ImportTable(rows=rows, header_of=header_of)


def import_products(
    session: Session, *, actor: Actor, enterprise: Enterprise, table: ImportTable
) -> ImportResult:
    """Create every row's product, or none: the whole import runs in one savepoint."""
    problems: list[RowProblem] = []
    imported = 0
    outer = session.begin_nested()
    for number, row in enumerate(table.rows, start=2):
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
                column = table.header_of.get(problem.field, problem.field)
                problems.append(RowProblem(number, column, problem.message_vi, problem.message_en))
    if problems:
        outer.rollback()
        return ImportResult(imported=0, problems=problems)
    outer.commit()
    return ImportResult(imported=imported, problems=[])


def _import_page(
    request: Request, portal: Portal, extra: dict[str, object], status: int
) -> Response:
    return page(
        request,
        "portal/import.html",
        {"headers": HEADERS, **extra},
        portal=portal,
        status_code=status,
    )


@router.get("/import")
def import_form(request: Request, portal: PortalDep) -> Response:
    return _import_page(request, portal, {}, 200)


def _template_rows() -> tuple[list[str], list[str]]:
    return list(HEADERS.values()), [TEMPLATE_EXAMPLE.get(name, "") for name in HEADERS]


@router.get("/import/template.xlsx")
def import_template_xlsx() -> Response:
    header, example = _template_rows()
    body = xlsx_bytes(Sheet("Sản phẩm", header, [example], widths=[18] * len(header)))
    return Response(
        body,
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": 'attachment; filename="san-pham-mau.xlsx"'},
    )


@router.get("/import/template.csv")
def import_template_csv() -> Response:
    """Semicolons and a BOM: what Excel on Vietnamese Windows opens as columns, in UTF-8."""
    header, example = _template_rows()
    body = csv_text(header, [example], delimiter=";")
    return Response(
        "\ufeff" + body,
        media_type=CSV_TYPE,
        headers={"Content-Disposition": 'attachment; filename="san-pham-mau.csv"'},
    )


@router.post("/import")
def run_import(request: Request, session: SessionDep, portal: PortalDep, form: FormDep) -> Response:
    lang = request_language(request)
    upload = form.get("file")
    try:
        refuse_control_characters(form)
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise _file_problem("Chọn tệp CSV hoặc Excel.", "Choose a CSV or Excel file.")
        upload.file.seek(0)
        table = read_rows(upload.file.read(MAX_IMPORT_BYTES + 1))
    except TruyxuatError as exc:
        message = exc.message_vi if lang == "vi" else exc.message_en
        return _import_page(request, portal, {"errors": {"file": message}}, 400)
    result = import_products(session, actor=portal.actor, enterprise=portal.enterprise, table=table)
    if result.problems:
        return _import_page(request, portal, {"problems": result.problems}, 400)
    flash(
        request,
        f"Đã nhập {result.imported} sản phẩm.",
        f"{result.imported} products imported.",
    )
    return see_other("/portal/products")
