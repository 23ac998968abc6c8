"""Symbols as vector drawings at their printed size, following the GS1 print rules."""

from __future__ import annotations

from labels import fonts
from labels.content import symbol_content
from labels.encoding import (
    Bars,
    EncoderName,
    ErrorCorrection,
    GS1Elements,
    Matrix,
    SymbolKind,
    encode,
)
from labels.errors import LabelError
from labels.shapes import Drawing, LabelWarning, ModuleGrid, Rect, Text
from registry.gs1 import format_parenthesised

# GS1 General Specifications §5.2.3.4 (EAN/UPC dimensions) and symbol specification table 1.
EAN13_NOMINAL_X_MM = 0.330
EAN13_NOMINAL_BAR_HEIGHT_MM = 22.85
EAN13_NOMINAL_SYMBOL_HEIGHT_MM = 25.93
EAN13_MAGNIFICATION_RANGE = (80.0, 200.0)
EAN13_LEFT_QUIET_MODULES = 11
EAN13_RIGHT_QUIET_MODULES = 7
EAN13_MODULES = 95
# ISO/IEC 15420 §5.2.5: guard bars extend 5X below the other bars; OCR-B digits 2.75 mm high.
EAN13_GUARD_EXTENSION_MODULES = 5
EAN13_DIGIT_HEIGHT_MM = 2.75
EAN13_GUARD_BAR_STARTS = frozenset({0, 2, 46, 48, 92, 94})

# GS1 General Specifications §5.12.3 symbol specification tables: 0.396 mm is the minimum
# X for 2D symbols scanned at retail point of sale (table 1); 0.254 mm the smallest X any
# table allows for GS1 DataMatrix / QR (healthcare, tables 6 and 7).
RETAIL_2D_MIN_X_MM = 0.396
ABSOLUTE_2D_MIN_X_MM = 0.254
QR_QUIET_MODULES = 4  # ISO/IEC 18004 §9.1
DATAMATRIX_QUIET_MODULES = 1  # GS1 General Specifications §5.6.3.2

# GS1 General Specifications §5.4.4 and table 3 (logistics): X 0.495–1.016 mm, bars at least
# 31.75 mm high; tables 6/7 allow X down to 0.250 mm for small healthcare items.
GS1_128_DEFAULT_X_MM = 0.495
GS1_128_MIN_X_MM = 0.250
GS1_128_MAX_X_MM = 1.016
GS1_128_DEFAULT_BAR_HEIGHT_MM = 31.75
GS1_128_QUIET_MODULES = 10  # ISO/IEC 15417 §4.3.1.1
# ISO/IEC 15417 Annex: bars at least 0.15 x the symbol width or 6.35 mm, whichever is more.
GS1_128_MIN_HEIGHT_RATIO = 0.15
GS1_128_MIN_HEIGHT_MM = 6.35
GS1_128_HRI_SIZE_MM = 2.4


def ean13_x_mm(magnification: float) -> float:
    low, high = EAN13_MAGNIFICATION_RANGE
    if not low <= magnification <= high:
        raise LabelError(
            f"Độ phóng đại mã EAN-13 phải từ {low:g}% đến {high:g}%, nhận được {magnification:g}%.",
            f"EAN-13 magnification must be {low:g}% to {high:g}%, got {magnification:g}%.",
            field="magnification",
        )
    return EAN13_NOMINAL_X_MM * magnification / 100


def ean13_drawing(
    gtin13: str,
    *,
    magnification: float = 100.0,
    light_margin_indicator: bool = False,
    encoder: EncoderName | None = None,
) -> Drawing:
    """EAN-13 at full height (never truncated), quiet zones 11X/7X, digits below."""
    digits = symbol_content(SymbolKind.EAN13, gtin13)
    assert isinstance(digits, str)
    bars = encode(SymbolKind.EAN13, digits, encoder=encoder)
    assert isinstance(bars, Bars) and bars.width == EAN13_MODULES
    scale = magnification / 100
    x = ean13_x_mm(magnification)
    bar_height = EAN13_NOMINAL_BAR_HEIGHT_MM * scale
    guard_height = bar_height + EAN13_GUARD_EXTENSION_MODULES * x
    left = EAN13_LEFT_QUIET_MODULES * x
    drawing = Drawing(
        width=(EAN13_LEFT_QUIET_MODULES + EAN13_MODULES + EAN13_RIGHT_QUIET_MODULES) * x,
        height=EAN13_NOMINAL_SYMBOL_HEIGHT_MM * scale,
    )
    for start, width in bars.bar_runs():
        height = guard_height if start in EAN13_GUARD_BAR_STARTS else bar_height
        drawing.rects.append(Rect(left + start * x, 0.0, width * x, height))

    digit_size = EAN13_DIGIT_HEIGHT_MM * scale / _cap_height_ratio()
    baseline = bar_height + 0.5 * x + EAN13_DIGIT_HEIGHT_MM * scale
    drawing.texts.append(Text(left - x, baseline, digits[0], digit_size, anchor="end"))
    for index, digit in enumerate(digits[1:7]):
        centre = left + (3 + 7 * index + 3.5) * x
        drawing.texts.append(Text(centre, baseline, digit, digit_size, anchor="middle"))
    for index, digit in enumerate(digits[7:]):
        centre = left + (50 + 7 * index + 3.5) * x
        drawing.texts.append(Text(centre, baseline, digit, digit_size, anchor="middle"))
    if light_margin_indicator:
        drawing.texts.append(Text(drawing.width, baseline, ">", digit_size, anchor="end"))
    return drawing


def _cap_height_ratio() -> float:
    """Digit height of the label font per unit of font size (Open Sans: ~0.71)."""
    from reportlab.pdfbase import pdfmetrics

    face = pdfmetrics.getFont(fonts.pdf_font_name(bold=False)).face
    return float(face.capHeight) / 1000 if face.capHeight else 0.71


def matrix_drawing(
    matrix: Matrix, *, size_mm: float, quiet_modules: int, kind: SymbolKind
) -> Drawing:
    """A square 2D symbol whose side, quiet zone included, is `size_mm`."""
    modules_across = max(matrix.width, matrix.height) + 2 * quiet_modules
    x = size_mm / modules_across
    if x < ABSOLUTE_2D_MIN_X_MM:
        smallest = ABSOLUTE_2D_MIN_X_MM * modules_across
        raise LabelError(
            f"Mã {kind} {size_mm:g} mm quá nhỏ: mỗi ô chỉ {x:.3f} mm, dưới mức tối thiểu "
            f"{ABSOLUTE_2D_MIN_X_MM} mm của GS1. Cần ít nhất {smallest:.1f} mm.",
            f"A {size_mm:g} mm {kind} is too small: its modules would be {x:.3f} mm, below "
            f"the GS1 minimum of {ABSOLUTE_2D_MIN_X_MM} mm. It needs at least {smallest:.1f} mm.",
            field="size_mm",
        )
    drawing = Drawing(width=(matrix.width + 2 * quiet_modules) * x, height=0.0)
    drawing.height = (matrix.height + 2 * quiet_modules) * x
    drawing.grids.append(ModuleGrid(quiet_modules * x, quiet_modules * x, x, matrix.runs))
    if x < RETAIL_2D_MIN_X_MM:
        drawing.warnings.append(
            LabelWarning(
                "x-dimension-below-retail",
                f"Mỗi ô của mã {kind} chỉ {x:.3f} mm, nhỏ hơn {RETAIL_2D_MIN_X_MM} mm mà GS1 "
                "khuyến nghị cho quét tại quầy bán lẻ.",
                f"The {kind} modules are {x:.3f} mm, below the {RETAIL_2D_MIN_X_MM} mm GS1 "
                "recommends for retail scanning.",
            )
        )
    return drawing


def qr_drawing(
    digital_link: str,
    *,
    size_mm: float,
    error_correction: ErrorCorrection = "M",
    encoder: EncoderName | None = None,
) -> Drawing:
    """A plain QR holding a GS1 Digital Link URI (checked strictly before encoding)."""
    uri = symbol_content(SymbolKind.QR, digital_link)
    matrix = encode(SymbolKind.QR, uri, encoder=encoder, error_correction=error_correction)
    assert isinstance(matrix, Matrix)
    return matrix_drawing(
        matrix, size_mm=size_mm, quiet_modules=QR_QUIET_MODULES, kind=SymbolKind.QR
    )


def gs1_2d_drawing(
    kind: SymbolKind,
    element_string: str,
    *,
    size_mm: float,
    error_correction: ErrorCorrection = "M",
    encoder: EncoderName | None = None,
) -> Drawing:
    elements = symbol_content(kind, element_string)
    matrix = encode(kind, elements, encoder=encoder, error_correction=error_correction)
    assert isinstance(matrix, Matrix)
    quiet = QR_QUIET_MODULES if kind is SymbolKind.GS1_QR else DATAMATRIX_QUIET_MODULES
    return matrix_drawing(matrix, size_mm=size_mm, quiet_modules=quiet, kind=kind)


def gs1_128_drawing(
    element_string: str,
    *,
    x_mm: float = GS1_128_DEFAULT_X_MM,
    bar_height_mm: float = GS1_128_DEFAULT_BAR_HEIGHT_MM,
    max_width_mm: float | None = None,
    encoder: EncoderName | None = None,
) -> Drawing:
    """GS1-128 with 10X quiet zones and the parenthesised text below (FNC1 from the encoder).

    With `max_width_mm` the X-dimension shrinks to fit, but never below the GS1 minimum.
    """
    elements = symbol_content(SymbolKind.GS1_128, element_string)
    assert not isinstance(elements, str)
    bars = encode(SymbolKind.GS1_128, elements, encoder=encoder)
    assert isinstance(bars, Bars)
    modules = bars.width + 2 * GS1_128_QUIET_MODULES
    if max_width_mm is not None:
        x_mm = min(x_mm, max_width_mm / modules)
    _check_gs1_128_size(x_mm, bar_height_mm, modules)
    left = GS1_128_QUIET_MODULES * x_mm
    hri_size = GS1_128_HRI_SIZE_MM
    drawing = Drawing(width=modules * x_mm, height=bar_height_mm + 1.5 * hri_size)
    drawing.rects.extend(
        Rect(left + start * x_mm, 0.0, width * x_mm, bar_height_mm)
        for start, width in bars.bar_runs()
    )
    drawing.texts.append(
        Text(
            drawing.width / 2,
            bar_height_mm + 1.2 * hri_size,
            _parenthesised(elements),
            hri_size,
            anchor="middle",
        )
    )
    return drawing


def _parenthesised(elements: GS1Elements) -> str:
    return str(format_parenthesised(list(elements)))


def _check_gs1_128_size(x_mm: float, bar_height_mm: float, modules: int) -> None:
    if not GS1_128_MIN_X_MM <= x_mm <= GS1_128_MAX_X_MM:
        raise LabelError(
            f"Mô-đun GS1-128 phải từ {GS1_128_MIN_X_MM} đến {GS1_128_MAX_X_MM} mm, tính ra "
            f"{x_mm:.3f} mm (cần chỗ rộng ít nhất {GS1_128_MIN_X_MM * modules:.1f} mm).",
            f"GS1-128 modules must be {GS1_128_MIN_X_MM} to {GS1_128_MAX_X_MM} mm, got "
            f"{x_mm:.3f} mm (it needs at least {GS1_128_MIN_X_MM * modules:.1f} mm of width).",
            field="size_mm",
        )
    min_height = max(GS1_128_MIN_HEIGHT_MM, GS1_128_MIN_HEIGHT_RATIO * modules * x_mm)
    if bar_height_mm < min_height:
        raise LabelError(
            f"Chiều cao vạch GS1-128 {bar_height_mm:g} mm quá thấp: "
            f"cần ít nhất {min_height:.1f} mm.",
            f"GS1-128 bars of {bar_height_mm:g} mm are too short: at least {min_height:.1f} mm.",
            field="size_mm",
        )


def symbol_drawing(
    kind: SymbolKind,
    data: str,
    *,
    size_mm: float | None = None,
    magnification: float = 100.0,
    x_mm: float | None = None,
    error_correction: ErrorCorrection = "M",
    encoder: EncoderName | None = None,
) -> Drawing:
    """Any one symbol: `size_mm` is the side of a 2D symbol (quiet zone included) or the bar
    height of GS1-128; `magnification` applies to EAN-13; `x_mm` to GS1-128."""
    if kind is SymbolKind.EAN13:
        return ean13_drawing(data, magnification=magnification, encoder=encoder)
    if kind is SymbolKind.GS1_128:
        return gs1_128_drawing(
            data,
            x_mm=x_mm or GS1_128_DEFAULT_X_MM,
            bar_height_mm=size_mm or GS1_128_DEFAULT_BAR_HEIGHT_MM,
            encoder=encoder,
        )
    side = size_mm or 20.0
    if kind is SymbolKind.QR:
        return qr_drawing(data, size_mm=side, error_correction=error_correction, encoder=encoder)
    return gs1_2d_drawing(
        kind, data, size_mm=side, error_correction=error_correction, encoder=encoder
    )
