"""Tables as CSV (UTF-8 with a BOM, so spreadsheet programs read the diacritics) and XLSX."""

from __future__ import annotations

import datetime as dt
from typing import Any

from registry.spreadsheets import Sheet, csv_text, xlsx_bytes
from registry.stats.tables import Table


def plain(value: Any) -> Any:
    """A cell as both formats store it: numbers stay numbers, months are YYYY-MM."""
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def table_csv(table: Table, *, lang: str) -> bytes:
    body = csv_text(
        [c.label(lang) for c in table.columns],
        ([plain(x) for x in table.cells(row)] for row in table.rows),
    )
    return ("\ufeff" + body).encode("utf-8")


def table_xlsx(table: Table, *, lang: str) -> bytes:
    return xlsx_bytes(
        Sheet(
            title=table.name,
            header=[c.label(lang) for c in table.columns],
            rows=([plain(x) for x in table.cells(row)] for row in table.rows),
            widths=[40 if c.kind == "text" else 16 for c in table.columns],
        )
    )


def attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}
