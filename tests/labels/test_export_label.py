"""The export label for China: both symbols decode from the PDF, and its Chinese is drawn
with real glyphs (compared as images, against the same text drawn by FreeType with the
Chinese font, and against a rendering with a font lacking Chinese, which must not match)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageDraw

from labels import fonts
from labels.errors import LabelError
from labels.export_layout import ExportMarks, MarkLine, face_of
from labels.layout import LabelData, LabelSize, label_drawing
from labels.render import to_pdf
from labels.shapes import Drawing, Text

pytestmark = pytest.mark.skipif(
    not fonts.CJK_FONT[0].is_file(), reason="fonts-wqy-microhei is not installed"
)

DPI = 300
DESTINATION = "输往中华人民共和国"
ELEMENTS = "(01)08935000000014(10)L2026-07"
LINK = "https://id.example.vn/01/08935000000014/10/L2026-07/21/AB12CD34EF"
MARKS = ExportMarks(
    "CN",
    (
        MarkLine("Sầu riêng Ri6 Cái Mơn", bold=True),
        MarkLine("Ri6 durian"),
        MarkLine("Ri6 榴莲"),
        MarkLine("Sản phẩm của Việt Nam / Product of Viet Nam / 越南产品"),
        MarkLine("Xuất xứ / Place of origin / 产地: Đồng Tháp"),
        MarkLine("Vùng trồng / Orchard / 果园: Vườn Mỹ Long — VN-DTRS-0123"),
        MarkLine("Cơ sở đóng gói / Packing house / 包装厂: Kho Cái Bè — VN-DTPH-0456"),
        MarkLine(DESTINATION, bold=True),
        MarkLine("Exported to the People's Republic of China", bold=True),
        MarkLine("Lô / Lot / 批号: L2026-07"),
    ),
    ELEMENTS,
)
LABEL = LabelData(
    digital_link=LINK, product_name="", lot="L2026-07", serial="AB12CD34EF", export=MARKS
)


@pytest.fixture(scope="module")
def drawing() -> Drawing:
    return label_drawing(LABEL, LabelSize(100, 70), encoder="zint")


@pytest.fixture(scope="module")
def page(drawing: Drawing, tools: Any) -> Image.Image:
    image: Image.Image = tools.rasterise_pdf(to_pdf(drawing), dpi=DPI).convert("L")
    return image


def test_both_symbols_decode_from_the_pdf(page: Image.Image, tools: Any) -> None:
    found = {result.symbology_identifier: result.text for result in tools.decode(page)}
    assert found["]Q1"] == LINK
    assert found["]d2"] == ELEMENTS  # zxing-cpp shows GS1 content with its AIs


def test_every_mark_is_on_the_label_and_chinese_lines_use_the_chinese_font(
    drawing: Drawing, tools: Any
) -> None:
    text = tools.pdf_text(to_pdf(drawing))
    for line in (DESTINATION, "越南产品", "榴莲", "果园", "Đồng Tháp", "VN-DTPH-0456"):
        assert line in text.replace("\r\n", " ").replace("\n", " ")
    faces = {t.text: t.face for t in drawing.texts}
    assert faces[DESTINATION] == "cjk"
    assert faces["Ri6 durian"] == "sans"


def _ink(image: Image.Image) -> Image.Image:
    """Black-and-white, cropped to the ink, so two renderings compare glyph by glyph."""
    bw = image.convert("L").point(lambda value: 255 if value < 128 else 0)
    box = bw.getbbox()
    assert box is not None, "no ink at all"
    return bw.crop(box)


def _mismatch(first: Image.Image, second: Image.Image) -> float:
    """Share of inked pixels that differ, once both are scaled to the same box."""
    second = second.resize(first.size)
    differ = ImageChops.difference(first, second).point(lambda v: 255 if v > 127 else 0)
    inked = ImageChops.lighter(first, second)
    return sum(differ.histogram()[255:]) / max(1, sum(inked.histogram()[255:]))


def _drawn_alone(text: Text, font_path: Path, index: int) -> Image.Image:
    from PIL import ImageFont

    size = round(text.size * DPI / 25.4)
    font = ImageFont.truetype(str(font_path), size, index=index)
    image = Image.new("L", (size * (len(text.text) + 2), size * 2), 255)
    ImageDraw.Draw(image).text((size, size * 1.5), text.text, font=font, fill=0, anchor="ls")
    return image


def _region(page: Image.Image, text: Text) -> Image.Image:
    scale = DPI / 25.4
    width = fonts.text_width(text.text, text.size, face=text.face)
    box = (
        round((text.x - 0.3) * scale),
        round((text.baseline - text.size * 1.05) * scale),
        round((text.x + width + 0.3) * scale),
        round((text.baseline + text.size * 0.3) * scale),
    )
    return page.crop(box)


def test_chinese_glyphs_in_the_pdf_match_the_font_and_not_empty_boxes(
    drawing: Drawing, page: Image.Image
) -> None:
    line = next(t for t in drawing.texts if t.text == DESTINATION)
    printed = _ink(_region(page, line))
    cjk_path, index = fonts.CJK_FONT
    same_font = _ink(_drawn_alone(line, cjk_path, index))
    assert _mismatch(printed, same_font) < 0.35, _mismatch(printed, same_font)
    # The check can fail: Open Sans has no Chinese, so FreeType draws its .notdef boxes.
    tofu = _ink(_drawn_alone(line, fonts.font_path(), 0))
    assert _mismatch(printed, tofu) > 0.7, _mismatch(printed, tofu)


def test_a_font_without_chinese_refuses_instead_of_printing_boxes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fonts, "CJK_FONT", (fonts.font_path(), 0))
    monkeypatch.setattr(fonts, "CJK", "TruyxuatCJKTest")
    with pytest.raises(LabelError) as refused:
        label_drawing(LABEL, LabelSize(100, 70), encoder="zint")
    assert "榴" in refused.value.message_en and "Phông chữ" in refused.value.message_vi


def test_no_chinese_font_installed_is_a_clear_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "CJK_FONT", (Path("/nonexistent/wqy-microhei.ttc"), 0))
    with pytest.raises(LabelError) as refused:
        label_drawing(LABEL, LabelSize(100, 70), encoder="zint")
    assert "fonts-wqy-microhei" in refused.value.message_en
    assert "fonts-wqy-microhei" in refused.value.message_vi


def test_a_character_the_chinese_font_lacks_is_refused() -> None:
    rare = "\U0002a6a5"  # CJK Extension B, outside what the font covers
    assert face_of(rare) == "cjk"
    marks = ExportMarks("CN", (MarkLine(f"榴莲{rare}"),), ELEMENTS)
    with pytest.raises(LabelError) as refused:
        label_drawing(
            LabelData(digital_link=LINK, product_name="", export=marks), LabelSize(100, 70)
        )
    assert rare in refused.value.message_en


@pytest.mark.parametrize("size", [LabelSize(50, 30), LabelSize(70, 40)])
def test_too_small_for_the_marks_is_refused(size: LabelSize) -> None:
    with pytest.raises(LabelError) as refused:
        label_drawing(LABEL, size, encoder="zint")
    assert refused.value.field == "layout"


def test_marks_are_never_cut_to_fit() -> None:
    many = ExportMarks("CN", tuple(MarkLine(f"{DESTINATION} {n}") for n in range(40)), ELEMENTS)
    with pytest.raises(LabelError) as refused:
        label_drawing(
            LabelData(digital_link=LINK, product_name="", export=many),
            LabelSize(70, 50),
            encoder="zint",
        )
    assert "70x50" in refused.value.message_en


@pytest.fixture(autouse=True)
def _fresh_font_registration() -> Iterator[None]:
    yield
    fonts._register_cjk_font.cache_clear()
    fonts.pil_font.cache_clear()
