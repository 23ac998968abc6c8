"""Product labels: every code decodes, Vietnamese text keeps its diacritics, nothing overflows."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any
from xml.etree import ElementTree

import pytest
from PIL import ImageChops

from labels import fonts
from labels.errors import LabelError
from labels.layout import CAPTION_VI, COMMON_SIZES_MM, LabelData, LabelSize, label_drawing
from labels.render import to_image, to_pdf, to_svg
from labels.shapes import Drawing, Text
from registry.gs1 import parse_digital_link

VIETNAMESE_NAME = "Xoài cát Hoà Lộc sấy dẻo Đồng Tháp – ưu đãi đặc biệt"
PRODUCER = "Hợp tác xã Nông nghiệp Mỹ Xương, Cao Lãnh"


def _label(case: dict[str, Any], **changes: Any) -> LabelData:
    label = LabelData(
        digital_link=case["uri"],
        product_name=VIETNAMESE_NAME,
        producer_name=PRODUCER,
        lot="LOT25A",
        produced_on=date(2025, 3, 1),
        expires_on=date(2026, 2, 28),
        ocop_stars=4,
        serial="X7K2M9P4QZ",
    )
    return dataclasses.replace(label, **changes)


def _inside(drawing: Drawing, text: Text) -> bool:
    width = fonts.text_width(text.text, text.size, bold=text.bold)
    left = {"start": text.x, "middle": text.x - width / 2, "end": text.x - width}[text.anchor]
    return (
        left >= -1e-6
        and left + width <= drawing.width + 1e-6
        and text.baseline - text.size <= drawing.height
        and text.baseline + 0.25 * text.size <= drawing.height + 1e-6
    )


@pytest.mark.parametrize(("width", "height"), COMMON_SIZES_MM)
def test_label_qr_decodes_to_a_strict_digital_link(
    width: float, height: float, digital_link_cases: list[dict[str, Any]], tools: Any
) -> None:
    for case in digital_link_cases[:3]:
        drawing = label_drawing(_label(case), LabelSize(width, height))
        parse_digital_link(case["uri"])
        for image in (to_image(drawing, dpi=300), tools.rasterise_pdf(to_pdf(drawing), dpi=300)):
            results = tools.decode(image)
            assert [(r.text, r.symbology_identifier) for r in results] == [(case["uri"], "]Q1")]
        assert all(_inside(drawing, text) for text in drawing.texts)


def test_label_with_ean13_on_70x50_decodes_both(
    digital_link_cases: list[dict[str, Any]], tools: Any
) -> None:
    case = digital_link_cases[0]
    gtin13 = parse_digital_link(case["uri"]).primary[1][1:]
    drawing = label_drawing(_label(case, gtin13=gtin13), LabelSize(70, 50))
    image = tools.rasterise_pdf(to_pdf(drawing), dpi=300)
    found = {(r.text, r.symbology_identifier) for r in tools.decode(image)}
    assert found == {(case["uri"], "]Q1"), (gtin13, "]E0")}


@pytest.mark.parametrize(("width", "height"), [(50, 30), (40, 25)])
def test_ean13_that_cannot_fit_is_refused_rather_than_shrunk(width: float, height: float) -> None:
    case = {"uri": "https://id.gs1.org/01/08934560865699"}
    with pytest.raises(LabelError):
        label_drawing(_label(case, gtin13="8934560865699"), LabelSize(width, height))


def test_long_text_shrinks_and_wraps_but_never_overflows() -> None:
    case = {"uri": "https://id.gs1.org/01/08934560865699"}
    long_name = " ".join([VIETNAMESE_NAME] * 6)
    drawing = label_drawing(_label(case, product_name=long_name), LabelSize(40, 25))
    assert all(_inside(drawing, text) for text in drawing.texts)
    assert any(text.text.endswith("…") for text in drawing.texts if text.bold)


def test_vietnamese_text_renders_with_diacritics(tools: Any) -> None:
    case = {"uri": "https://id.gs1.org/01/08934560865699"}
    size = LabelSize(50, 30)
    with_marks = to_image(label_drawing(_label(case, product_name="Xoài"), size), dpi=300)
    without = to_image(label_drawing(_label(case, product_name="Xoai"), size), dpi=300)
    assert ImageChops.difference(with_marks, without).getbbox() is not None

    drawing = label_drawing(_label(case), size)
    used = "".join(text.text for text in drawing.texts)
    assert fonts.missing_glyphs(used) == set()
    assert fonts.missing_glyphs(used, bold=True) == set()
    # The PDF's embedded subset maps back to the same characters, accents included.
    text = tools.pdf_text(to_pdf(drawing))
    for word in ("Xoài", "Hoà", "Lộc", "Đồng", "Mỹ", "Xương", CAPTION_VI.split()[0], "28/02/2026"):
        assert word in text


def test_font_really_lacks_glyphs_it_does_not_have() -> None:
    assert fonts.missing_glyphs("Xoài 汉") == {"汉"}


def test_dates_are_day_month_year() -> None:
    case = {"uri": "https://id.gs1.org/01/08934560865699"}
    drawing = label_drawing(_label(case), LabelSize(70, 50))
    lines = [text.text for text in drawing.texts]
    assert "NSX/MFD: 01/03/2025" in lines and "HSD/EXP: 28/02/2026" in lines


def test_ocop_stars_are_drawn_and_out_of_range_refused() -> None:
    case = {"uri": "https://id.gs1.org/01/08934560865699"}
    drawing = label_drawing(_label(case, ocop_stars=5), LabelSize(50, 30))
    assert len(drawing.polygons) == 5
    assert label_drawing(_label(case, ocop_stars=None), LabelSize(50, 30)).polygons == []
    with pytest.raises(LabelError):
        label_drawing(_label(case, ocop_stars=6), LabelSize(50, 30))


def test_lot_with_vietnamese_letters_is_refused() -> None:
    case = {"uri": "https://id.gs1.org/01/08934560865699"}
    with pytest.raises(LabelError) as raised:
        label_drawing(_label(case, lot="LÔ-01"), LabelSize(50, 30))
    assert raised.value.field == "lot"
    assert "Ô" in raised.value.message_vi


def test_custom_size_parses() -> None:
    assert LabelSize.parse("62x29") == LabelSize(62, 29)
    with pytest.raises(LabelError):
        LabelSize.parse("big")


def test_svg_lines_keep_their_measured_length_whatever_font_the_viewer_has(
    digital_link_cases: list[dict[str, Any]],
) -> None:
    # A browser showing the preview as an <img> has no Open Sans and falls back to a wider
    # face: without textLength the product name ran past the label's right edge.
    drawing = label_drawing(_label(digital_link_cases[0]), LabelSize(50, 30))
    svg = ElementTree.fromstring(to_svg(drawing))
    texts = svg.findall(".//{http://www.w3.org/2000/svg}text")
    assert len(texts) == len(drawing.texts) > 3
    for element, text in zip(texts, drawing.texts, strict=True):
        assert element.get("lengthAdjust") == "spacingAndGlyphs"
        measured = fonts.text_width(text.text, text.size, bold=text.bold)
        assert float(element.get("textLength") or 0) == pytest.approx(measured, abs=1e-3)
        assert _inside(drawing, text)
