"""The administrative-document layout the dossier and the periodic report share: the number
(or the clerk's dots), place and date in each language, page numbers from the second page,
and Chinese left out rather than printed as empty boxes."""

from __future__ import annotations

import datetime as dt

import pypdfium2 as pdfium
from reportlab.platypus import Flowable, PageBreak, Paragraph

from service.pages import administrative_document as document

DAY = dt.date(2026, 12, 8)


def _pages(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return [" ".join(page.get_textpage().get_text_range().split()) for page in doc]
    finally:
        doc.close()


def _pdf(*langs: str, number: str | None, place: str | None, pages: int = 1) -> list[str]:
    styles = document.styles()
    story: list[Flowable] = [
        document.heading(
            issuer=["<b>ISSUER</b>"],
            number=number,
            symbol="BC-X",
            issued_on=DAY,
            place=place,
            langs=langs,
            style=styles["heading"],
        )
    ]
    for page in range(2, pages + 1):
        story += [PageBreak(), Paragraph(f"page {page} body", styles["body"])]
    return _pages(document.build(story, title="t", author="a"))


def test_the_heading_in_each_language() -> None:
    (vi,) = _pdf("vi", number=None, place="Đồng Tháp")
    assert "Số: ......../BC-X" in vi and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in vi
    assert "Đồng Tháp, ngày 08 tháng 12 năm 2026" in vi
    (en,) = _pdf("en", number=None, place="Đồng Tháp")
    assert "No.: ......../BC-X" in en and "SOCIALIST REPUBLIC OF VIET NAM" in en
    assert "Đồng Tháp, 08/12/2026" in en
    (both,) = _pdf("vi", "en", number="17", place=None)
    assert "Số / No.: 17/BC-X" in both
    assert "Independence - Freedom - Happiness" in both
    assert "Ngày 08 tháng 12 năm 2026 / 08/12/2026" in both


def test_pages_are_numbered_from_the_second() -> None:
    first, second, third = _pdf("vi", number="1", place=None, pages=3)
    assert first.startswith("ISSUER")
    assert second.startswith("2 ") and third.startswith("3 ")


def test_chinese_is_set_in_its_font_or_left_out() -> None:
    shown = document.chinese("榴莲")
    assert shown is None or ('face="' in shown and "榴莲" in shown)
    assert document.chinese("榴\U00013000") is None  # an Egyptian hieroglyph: no glyph
