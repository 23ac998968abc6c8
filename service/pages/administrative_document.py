"""What every PDF the registry issues as a Vietnamese administrative document shares
(Decree 30/2020/NĐ-CP, Appendix I): the type styles, the two-column heading (issuer and
number on the left; national title, place and date on the right), the signature block,
page numbers, and the fonts, Chinese included.

A document is written in one language ("vi", "en") or in several at once, the first
leading (("vi", "en"): the consignment dossier, Vietnamese with its English beside it).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, TableStyle
from reportlab.platypus import Table as PdfTable

from labels.errors import LabelError
from labels.fonts import missing_glyphs, pdf_font_name

MARGIN = 15 * mm
WIDTH = A4[0] - 2 * MARGIN  # what the text may fill
HEADER_FILL = colors.HexColor("#e9f5ef")
RULE = colors.HexColor("#c9d3cd")
# Decree 30/2020/NĐ-CP, Appendix I, I.4: pages are numbered from 1 in Arabic numerals,
# centred in the top margin, the first page's number not shown.
PAGE_NUMBER_FROM_TOP = 8 * mm
PAGE_NUMBER_SIZE = 9

NATION = {
    "vi": ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"),
    "en": ("SOCIALIST REPUBLIC OF VIET NAM", "Independence - Freedom - Happiness"),
}
NUMBER_LABEL = {"vi": "Số", "en": "No."}
# The clerk (văn thư) writes the number by hand when a document without one is registered.
NO_NUMBER = "........"
SIGN_HERE = {"vi": "Ký, ghi rõ họ tên và đóng dấu", "en": "Signature, full name and seal"}
SIGNING_SPACE = 28 * mm


def styles() -> dict[str, ParagraphStyle]:
    regular, bold = pdf_font_name(bold=False), pdf_font_name(bold=True)
    return {
        "doc_title": ParagraphStyle(
            "doc_title", fontName=bold, fontSize=14, leading=18, alignment=TA_CENTER
        ),
        "title": ParagraphStyle(
            "title", fontName=bold, fontSize=12, leading=16, spaceAfter=4, alignment=TA_CENTER
        ),
        "subtitle": ParagraphStyle(
            "subtitle", fontName=regular, fontSize=10, leading=13, alignment=TA_CENTER
        ),
        "heading": ParagraphStyle(
            "heading", fontName=regular, fontSize=9.5, leading=12.5, alignment=TA_CENTER
        ),
        "h2": ParagraphStyle(
            "h2", fontName=bold, fontSize=11, leading=14, spaceBefore=8, spaceAfter=3
        ),
        "body": ParagraphStyle("body", fontName=regular, fontSize=9, leading=12),
        "small": ParagraphStyle("small", fontName=regular, fontSize=7.5, leading=9.5),
        "head": ParagraphStyle("head", fontName=bold, fontSize=7.5, leading=9.5),
    }


def chinese(text: str) -> str | None:
    """Chinese set in the Chinese font; None when that font is not installed or lacks a
    character (the text is then left out rather than printed as empty boxes)."""
    try:
        face = pdf_font_name(bold=False, face="cjk")
    except LabelError:
        return None
    if missing_glyphs(text, face="cjk"):
        return None
    return f'<font face="{face}">{escape(text)}</font>'


def _date_line(day: dt.date, lang: str) -> str:
    if lang == "vi":
        return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"
    return day.strftime("%d/%m/%Y")


def heading(
    *,
    issuer: Sequence[str],
    number: str | None,
    symbol: str,
    issued_on: dt.date,
    place: str | None,
    langs: Sequence[str],
    style: ParagraphStyle,
) -> PdfTable:
    """The issuer's lines (markup) and the number `{number}/{symbol}`, dotted for the clerk
    when the document has none, on the left; the national title and `place, date` on the
    right. The first language's national title is set bold; the others follow on one line."""
    label = " / ".join(NUMBER_LABEL[lang] for lang in langs)
    left = [*issuer, "_______", f"{label}: {escape(number or NO_NUMBER)}/{symbol}"]
    first, *others = langs
    when = " / ".join(_date_line(issued_on, lang) for lang in langs)
    when = f"{escape(place)}, {when}" if place else when[:1].upper() + when[1:]
    right = [
        *(f"<b>{line}</b>" for line in NATION[first]),
        *(" — ".join(NATION[lang]) for lang in others),
        "_______________",
        when,
    ]
    table = PdfTable(
        [[[Paragraph(line, style) for line in left], [Paragraph(line, style) for line in right]]],
        colWidths=[WIDTH * 0.42, WIDTH * 0.58],
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def signature(
    *,
    signer: str,
    langs: Sequence[str],
    recipients: Sequence[str],
    styles: dict[str, ParagraphStyle],
) -> Flowable:
    """Recipients (markup lines, may be none) on the left; the signer's title, what to
    write, and the space to sign on the right."""
    sign_here = "(" + " / ".join(SIGN_HERE[lang] for lang in langs) + ")"
    table = PdfTable(
        [
            [
                [Paragraph(line, styles["small"]) for line in recipients],
                [
                    Paragraph(f"<b>{signer}</b>", styles["heading"]),
                    Paragraph(sign_here, styles["heading"]),
                ],
            ]
        ],
        colWidths=[WIDTH * 0.5, WIDTH * 0.5],
    )
    table.setStyle(
        TableStyle(
            [("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (1, 0), (1, 0), SIGNING_SPACE)]
        )
    )
    return KeepTogether([table])


def table_style(*, header: bool) -> TableStyle:
    """Rows ruled below; with `header`, the first row filled."""
    style = TableStyle(
        [
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
    )
    if header:
        style.add("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL)
    return style


def _page_number(canvas: Canvas, document: SimpleDocTemplate) -> None:
    canvas.saveState()
    canvas.setFont(pdf_font_name(bold=False), PAGE_NUMBER_SIZE)
    canvas.drawCentredString(A4[0] / 2, A4[1] - PAGE_NUMBER_FROM_TOP, str(document.page))
    canvas.restoreState()


def build(story: Sequence[Flowable], *, title: str, author: str) -> bytes:
    """The document on A4, numbered from its second page."""
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=author,
        creator="truyxuat",
    ).build(list(story), onLaterPages=_page_number)
    return out.getvalue()
