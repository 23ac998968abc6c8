"""The export label: the Digital Link QR, a GS1 DataMatrix of GTIN + lot, and the marks the
importing market asks for, line by line, in Vietnamese, English and Chinese.

What the lines say is the print-run domain's work (registry/print_runs/export_content.py);
this module only places them. A line holding Chinese is set in the Chinese font
(labels/fonts.py), and a character that font lacks is refused, never printed as a box.
Mandatory marks are never cut: a label too small for all of them is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from labels import fonts
from labels.encoding import EncoderName, SymbolKind
from labels.errors import LabelError
from labels.shapes import Drawing, Face, Text
from labels.symbols import gs1_2d_drawing, qr_drawing
from labels.text_fit import Paragraph, fit_whole

# Below this the marks of a Chinese box label (a dozen lines in three languages) do not fit
# at a legible size; export labels go on cartons, not on single fruit.
EXPORT_LABEL_MIN_MM = (70.0, 50.0)
MIN_MARK_SIZE_MM = 1.4  # about 4 pt: the smallest Chinese still legible on a thermal print
HRI_SIZE_MM = 1.6
# CJK ideographs, their punctuation and full-width forms (Unicode blocks 2E80-9FFF,
# F900-FAFF, FE30-FE4F, FF00-FFEF and the supplementary ideographic plane).
_CJK_RANGES = ((0x2E80, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF))


@dataclass(frozen=True, slots=True)
class MarkLine:
    text: str
    bold: bool = False


@dataclass(frozen=True, slots=True)
class ExportMarks:
    """Everything an export label says beside its QR, in print order, and what its GS1
    DataMatrix holds (an element string such as "(01)08935...(10)LOT1")."""

    market: str
    lines: tuple[MarkLine, ...]
    element_string: str


@dataclass(frozen=True, slots=True)
class ExportFrame:
    margin: float
    qr_side: float
    serial_baseline: float
    matrix_top: float
    matrix_side: float
    text_x: float
    text_width: float


def is_chinese(text: str) -> bool:
    return any(
        low <= ord(char) <= high or ord(char) >= 0x20000
        for char in text
        for low, high in _CJK_RANGES
    )


def face_of(text: str) -> Face:
    return "cjk" if is_chinese(text) else "sans"


@lru_cache(maxsize=32)
def plan_export_frame(width: float, height: float) -> ExportFrame:
    min_width, min_height = EXPORT_LABEL_MIN_MM
    if width < min_width or height < min_height:
        raise LabelError(
            f"Tem xuất khẩu cần ít nhất {min_width:g}x{min_height:g} mm; "
            f"tem {width:g}x{height:g} mm quá nhỏ cho đủ nội dung bắt buộc.",
            f"An export label needs at least {min_width:g}x{min_height:g} mm; "
            f"a {width:g}x{height:g} mm label is too small for the mandatory marks.",
            field="layout",
        )
    margin = max(2.0, 0.03 * min(width, height))
    column = min(0.32 * width, 0.5 * height)
    qr_side = column
    serial_baseline = margin + qr_side + 2.2
    matrix_top = serial_baseline + 1.5
    matrix_side = min(0.55 * column, height - matrix_top - margin - 3.8 * HRI_SIZE_MM)
    text_x = margin + column + margin
    return ExportFrame(
        margin, qr_side, serial_baseline, matrix_top, matrix_side, text_x, width - text_x - margin
    )


def _refuse_missing(marks: ExportMarks) -> None:
    for line in marks.lines:
        fonts.refuse_missing_glyphs(line.text, face=face_of(line.text), field="marks")


def export_static_drawing(
    marks: ExportMarks, width: float, height: float, *, encoder: EncoderName | None = None
) -> Drawing:
    """The marks and the GS1 DataMatrix: everything shared by all labels of the lot."""
    frame = plan_export_frame(width, height)
    _refuse_missing(marks)
    drawing = Drawing(width, height)
    base = min(3.0, max(MIN_MARK_SIZE_MM, height / 22))
    paragraphs = [
        Paragraph(
            line.text,
            base * (1.2 if line.bold else 1.0),
            bold=line.bold,
            max_lines=4,
            face=face_of(line.text),
        )
        for line in marks.lines
    ]
    texts = fit_whole(
        paragraphs,
        x=frame.text_x,
        top=frame.margin,
        width=frame.text_width,
        height=height - 2 * frame.margin,
        min_size=MIN_MARK_SIZE_MM,
    )
    if texts is None:
        raise LabelError(
            f"Tem {width:g}x{height:g} mm không đủ chỗ cho mọi nội dung bắt buộc của tem "
            f"xuất khẩu ({marks.market}); chọn khổ tem lớn hơn.",
            f"A {width:g}x{height:g} mm label has no room for every mandatory mark of an "
            f"export label ({marks.market}); choose a larger label.",
            field="layout",
        )
    drawing.texts.extend(texts)
    matrix = gs1_2d_drawing(
        SymbolKind.GS1_DATAMATRIX,
        marks.element_string,
        size_mm=frame.matrix_side,
        encoder=encoder,
    )
    drawing.place(matrix, frame.margin, frame.matrix_top)
    hri_top = frame.matrix_top + matrix.height + HRI_SIZE_MM
    for index, part in enumerate(_hri_parts(marks.element_string)):
        drawing.texts.append(
            Text(frame.margin, hri_top + index * HRI_SIZE_MM * 1.2, part, HRI_SIZE_MM)
        )
    return drawing


def _hri_parts(element_string: str) -> list[str]:
    """The human-readable text under the DataMatrix, one AI a line: (01)… then (10)…"""
    parts = element_string.split("(")[1:]
    return [f"({part}" for part in parts]


def export_variable_drawing(
    digital_link: str,
    serial: str | None,
    width: float,
    height: float,
    *,
    encoder: EncoderName | None = None,
) -> Drawing:
    """The QR and the serial under it."""
    frame = plan_export_frame(width, height)
    drawing = Drawing(width, height)
    drawing.place(
        qr_drawing(digital_link, size_mm=frame.qr_side, encoder=encoder),
        frame.margin / 2,
        frame.margin,
    )
    if serial:
        drawing.texts.append(
            Text(frame.margin / 2 + frame.qr_side / 2, frame.serial_baseline, serial, 1.8, "middle")
        )
    return drawing
