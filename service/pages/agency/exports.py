"""Tables as CSV (UTF-8 with a BOM, so spreadsheet programs read the diacritics) and XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from registry.stats.tables import Table

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def plain(value: Any) -> Any:
    """A cell as both formats store it: numbers stay numbers, months are YYYY-MM."""
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def table_csv(table: Table, *, lang: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.label(lang) for c in table.columns])
    for row in table.rows:
        writer.writerow(["" if (v := plain(x)) is None else v for x in table.cells(row)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def table_xlsx(table: Table, *, lang: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    # Sheet titles are at most 31 characters and exclude []:*?/\ (Excel's own limits).
    sheet.title = table.name[:31]
    sheet.append([c.label(lang) for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([plain(x) for x in table.cells(row)])
    for index, column in enumerate(table.columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = 40 if column.kind == "text" else 16
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}
