"""Each symbol at each common label size decodes to exactly its content, as PNG and as PDF."""

from __future__ import annotations

from typing import Any

import pytest
from PIL import Image

from labels.encoding import SymbolKind
from labels.errors import LabelError
from labels.layout import COMMON_SIZES_MM
from labels.render import to_image, to_pdf, to_png
from labels.symbols import (
    EAN13_NOMINAL_BAR_HEIGHT_MM,
    EAN13_NOMINAL_X_MM,
    gs1_2d_drawing,
    gs1_128_drawing,
    qr_drawing,
    symbol_drawing,
)
from registry.gs1 import format_raw, parse_digital_link, parse_element_string

DPI = 300
PX_PER_MM = DPI / 25.4
IDENTIFIER = {
    SymbolKind.GS1_QR: "]Q3",
    SymbolKind.GS1_DATAMATRIX: "]d2",
    SymbolKind.GS1_128: "]C1",
}


def _content(case: dict[str, Any]) -> tuple[str, bytes]:
    return case["element_string"], format_raw(parse_element_string(case["element_string"])).encode()


@pytest.mark.parametrize(("width", "height"), COMMON_SIZES_MM)
def test_digital_link_qr_fills_each_label_size_and_decodes(
    width: float, height: float, digital_link_cases: list[dict[str, Any]], tools: Any
) -> None:
    for case in digital_link_cases[:4]:
        drawing = qr_drawing(case["uri"], size_mm=min(width, height) * 0.8)
        parse_digital_link(case["uri"])
        for image in (Image.open(__import__("io").BytesIO(to_png(drawing, dpi=DPI))),
                      tools.rasterise_pdf(to_pdf(drawing), dpi=DPI)):  # fmt: skip
            (result,) = tools.decode(image)
            assert (result.text, result.symbology_identifier) == (case["uri"], "]Q1")


@pytest.mark.parametrize("kind", [SymbolKind.GS1_QR, SymbolKind.GS1_DATAMATRIX])
@pytest.mark.parametrize(("width", "height"), COMMON_SIZES_MM)
def test_gs1_2d_symbols_decode_at_each_label_size(
    kind: SymbolKind,
    width: float,
    height: float,
    digital_link_cases: list[dict[str, Any]],
    tools: Any,
) -> None:
    for case in digital_link_cases[:3]:
        element_string, raw = _content(case)
        # GS1 DataMatrix has no pure-Python path (see labels.encoding.pure_encoder).
        encoder = "zint" if kind is SymbolKind.GS1_DATAMATRIX else None
        drawing = gs1_2d_drawing(
            kind, element_string, size_mm=min(width, height) * 0.6, encoder=encoder
        )
        for image in (to_image(drawing, dpi=DPI), tools.rasterise_pdf(to_pdf(drawing), dpi=DPI)):
            (result,) = tools.decode(image)
            assert (result.bytes, result.symbology_identifier) == (raw, IDENTIFIER[kind])


@pytest.mark.parametrize(("width", "height"), COMMON_SIZES_MM)
def test_gs1_128_fits_each_label_or_is_refused(width: float, height: float, tools: Any) -> None:
    element_string = "(01)08934560865699(10)LOT25A"
    raw = b"0108934560865699" + b"10LOT25A"
    try:
        drawing = gs1_128_drawing(element_string, bar_height_mm=height * 0.6, max_width_mm=width)
    except LabelError as error:
        assert "GS1-128" in error.message_vi and "GS1-128" in error.message_en
        return
    assert drawing.width <= width
    for image in (to_image(drawing, dpi=DPI), tools.rasterise_pdf(to_pdf(drawing), dpi=DPI)):
        (result,) = tools.decode(image)
        assert (result.bytes, result.symbology_identifier) == (raw, "]C1")


def test_sscc_carton_label_in_gs1_128(tools: Any) -> None:
    drawing = symbol_drawing(SymbolKind.GS1_128, "(00)389345600000000015")
    (result,) = tools.decode(tools.rasterise_pdf(to_pdf(drawing), dpi=DPI))
    assert (result.text, result.symbology_identifier) == ("(00)389345600000000015", "]C1")
    assert drawing.width == pytest.approx(
        drawing.rects[-1].x + drawing.rects[-1].width + 10 * 0.495
    )


@pytest.mark.parametrize("magnification", [80, 100, 150, 200])
def test_ean13_decodes_at_every_allowed_magnification(
    magnification: float, gtin13_cases: list[dict[str, Any]], tools: Any
) -> None:
    gtin = next(case["value"] for case in gtin13_cases if case["valid"])
    drawing = symbol_drawing(SymbolKind.EAN13, gtin, magnification=magnification)
    for image in (to_image(drawing, dpi=DPI), tools.rasterise_pdf(to_pdf(drawing), dpi=DPI)):
        (result,) = tools.decode(image)
        assert (result.text, result.symbology_identifier) == (gtin, "]E0")


def _dark_columns(image: Image.Image, row: int) -> list[int]:
    grey = image.convert("L")
    return [x for x in range(grey.width) if grey.getpixel((x, row)) < 128]  # type: ignore[operator]


def test_ean13_geometry_measured_on_the_rendered_image() -> None:
    magnification = 100.0
    x = EAN13_NOMINAL_X_MM * magnification / 100
    drawing = symbol_drawing(SymbolKind.EAN13, "8934560865699", magnification=magnification)
    image = to_image(drawing, dpi=1200)
    px_per_mm = 1200 / 25.4
    mid_bar_row = round(EAN13_NOMINAL_BAR_HEIGHT_MM / 2 * px_per_mm)
    dark = _dark_columns(image, mid_bar_row)
    left_quiet = dark[0] / px_per_mm
    right_quiet = (image.width - 1 - dark[-1]) / px_per_mm
    assert left_quiet == pytest.approx(11 * x, abs=0.03)
    assert right_quiet == pytest.approx(7 * x, abs=0.03)
    assert (dark[-1] - dark[0] + 1) / px_per_mm == pytest.approx(95 * x, abs=0.03)

    # Just below the normal bars only the six guard bars continue.
    guard_row = round((EAN13_NOMINAL_BAR_HEIGHT_MM + 0.25 * x) * px_per_mm)
    guard_columns = _dark_columns(image, guard_row)
    runs = sum(
        1 for i, col in enumerate(guard_columns) if i == 0 or guard_columns[i - 1] != col - 1
    )
    assert runs == 6
    # Full bar height: a normal bar is dark from the top to 22.85 mm.
    column = dark[len(dark) // 3]
    heights = [y for y in range(image.height) if image.getpixel((column, y)) < 128]  # type: ignore[operator]
    assert heights[0] == 0
    if column not in guard_columns:
        assert (heights[-1] + 1) / px_per_mm == pytest.approx(EAN13_NOMINAL_BAR_HEIGHT_MM, abs=0.03)


def test_ean13_leading_digit_sits_in_the_left_quiet_zone() -> None:
    drawing = symbol_drawing(SymbolKind.EAN13, "8934560865699")
    first_bar = min(r.x for r in drawing.rects)
    leading = next(t for t in drawing.texts if t.text == "8" and t.anchor == "end")
    assert leading.x < first_bar


def test_wrong_check_digit_is_refused_not_fixed() -> None:
    with pytest.raises(LabelError) as raised:
        symbol_drawing(SymbolKind.EAN13, "8934560865698")
    assert "9" in raised.value.message_vi and "check digit" in raised.value.message_en
    for encoder in ("zint", "pure"):
        with pytest.raises(LabelError):
            symbol_drawing(SymbolKind.EAN13, "8934560865698", encoder=encoder)  # type: ignore[arg-type]


@pytest.mark.parametrize("magnification", [79.9, 200.1])
def test_ean13_magnification_outside_80_to_200_is_refused(magnification: float) -> None:
    with pytest.raises(LabelError, match="magnification"):
        symbol_drawing(SymbolKind.EAN13, "8934560865699", magnification=magnification)


def test_lot_outside_cset82_is_refused() -> None:
    with pytest.raises(LabelError) as raised:
        symbol_drawing(SymbolKind.GS1_DATAMATRIX, "(01)08934560865699(10)LÔ25")
    assert "10" in raised.value.message_en and raised.value.message_vi


def test_invalid_ai_data_is_an_error_not_a_warning() -> None:
    with pytest.raises(LabelError):
        symbol_drawing(SymbolKind.GS1_128, "(01)08934560865699(17)250231")


def test_qr_below_retail_x_dimension_warns_and_below_minimum_is_refused() -> None:
    uri = "https://id.gs1.org/01/08934560865699"
    assert qr_drawing(uri, size_mm=20).warnings == []
    small = qr_drawing(uri, size_mm=10)
    assert [w.code for w in small.warnings] == ["x-dimension-below-retail"]
    with pytest.raises(LabelError) as raised:
        qr_drawing(uri, size_mm=5)
    assert "0.254" in raised.value.message_en and "tối thiểu" in raised.value.message_vi


def test_qr_has_a_four_module_quiet_zone() -> None:
    drawing = qr_drawing("https://id.gs1.org/01/08934560865699", size_mm=25)
    (grid,) = drawing.grids
    columns = max(c + n for _, c, n in grid.runs)
    assert grid.x == pytest.approx(4 * grid.module)
    assert drawing.width == pytest.approx((columns + 8) * grid.module)


def test_invalid_digital_link_is_refused() -> None:
    with pytest.raises(LabelError):
        qr_drawing("https://id.example.vn/01/8934560865699", size_mm=20)
