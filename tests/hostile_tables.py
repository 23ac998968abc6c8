"""Spreadsheets built to make an importer work: tiny archives that unpack huge, sheets that
declare or skip to millions of rows. Made in memory in well under a second."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _row(*texts: str, number: int | None = None) -> bytes:
    cells = b"".join(b'<c t="inlineStr"><is><t>%s</t></is></c>' % text.encode() for text in texts)
    attribute = b' r="%d"' % number if number is not None else b""
    return b"<row%s>%s</row>" % (attribute, cells)


def xlsx_with_sheet(sheet_xml: Iterable[bytes], *, path: str = SHEET) -> bytes:
    """A valid workbook from openpyxl whose first sheet is replaced by the given XML, deflated,
    stored at `path` (its relation and content type follow it)."""
    workbook = Workbook()
    plain = io.BytesIO()
    workbook.save(plain)
    source = zipfile.ZipFile(plain)
    moved = {
        "xl/_rels/workbook.xml.rels": (b"/xl/worksheets/sheet1.xml", b"/" + path.encode()),
        "[Content_Types].xml": (b"/xl/worksheets/sheet1.xml", b"/" + path.encode()),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            if member.filename != SHEET:
                data = source.read(member)
                if member.filename in moved:
                    data = data.replace(*moved[member.filename])
                archive.writestr(member.filename, data)
                continue
            info = zipfile.ZipInfo(path)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as sheet:
                for part in sheet_xml:
                    sheet.write(part)
    return out.getvalue()


def many_identical_rows(*header: str, rows: int = 3_000_000, path: str = SHEET) -> bytes:
    """`rows` identical rows and no declared dimension: ~190 KB that unpacks to ~80 MB."""

    def xml() -> Iterator[bytes]:
        yield _HEAD + b"<sheetData>" + _row(*header)
        block = b"<row><c><v>1</v></c></row>" * 10_000
        for _ in range(rows // 10_000):
            yield block
        yield b"</sheetData></worksheet>"

    return xlsx_with_sheet(xml(), path=path)


def declared_rows(*header: str, rows: int = 3_000_000) -> bytes:
    """A few rows in a sheet whose dimension claims `rows` rows."""
    xml = (
        _HEAD
        + b'<dimension ref="A1:A%d"/><sheetData>' % rows
        + _row(*header, number=1)
        + _row("x", number=2)
        + b"</sheetData></worksheet>"
    )
    return xlsx_with_sheet([xml])


def skipped_rows(*header: str, last_row: int = 3_000_000) -> bytes:
    """No dimension; the header, then one row numbered `last_row` (readers fill the gap)."""
    xml = (
        _HEAD
        + b"<sheetData>"
        + _row(*header, number=1)
        + _row("x", number=last_row)
        + b"</sheetData></worksheet>"
    )
    return xlsx_with_sheet([xml])


def understated_rows(*header: str, rows: int) -> bytes:
    """`rows` rows in a sheet whose dimension claims only two."""
    body = b"".join(_row("x", number=n) for n in range(2, rows + 2))
    xml = (
        _HEAD
        + b'<dimension ref="A1:A2"/><sheetData>'
        + _row(*header, number=1)
        + body
        + b"</sheetData></worksheet>"
    )
    return xlsx_with_sheet([xml])
