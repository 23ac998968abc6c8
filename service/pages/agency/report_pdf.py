"""The periodic report (quarter or year) as a PDF: indicators, charts and tables.

Text is set in the font the labels embed (Open Sans, every Vietnamese glyph); the
charts are the dashboard's own geometry drawn with reportlab graphics.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import (
    Table as PdfTable,
)

from labels.fonts import pdf_font_name
from registry.stats.tables import Table
from service.pages.agency.charts import AXIS_COLOUR, BAR_COLOUR, TEXT_COLOUR, BarChart
from service.pages.agency.common import View, format_number, today

# The agency that issues the report, under its parent department (Đồng Tháp province).
PARENT_AGENCY = "Sở Khoa học và Công nghệ tỉnh Đồng Tháp"
AGENCY = "Chi cục Tiêu chuẩn Đo lường Chất lượng"
# The clerk (văn thư) gives the number when the signed report is registered.
NUMBER_LINE = "Số: ......../BC-CCTĐC"
REPORT_TABLES = ("monthly", "by_ward", "by_kind", "by_sector", "top_products", "places", "verdicts")
MARGIN = 15 * mm
CHART_SHARE = 0.7


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = pdf_font_name(bold=False), pdf_font_name(bold=True)
    return {
        "title": ParagraphStyle(
            "title", fontName=bold, fontSize=12, leading=16, spaceAfter=4, alignment=TA_CENTER
        ),
        "doc_title": ParagraphStyle(
            "doc_title", fontName=bold, fontSize=14, leading=18, alignment=TA_CENTER
        ),
        "heading": ParagraphStyle(
            "heading", fontName=regular, fontSize=9.5, leading=12.5, alignment=TA_CENTER
        ),
        "centred": ParagraphStyle(
            "centred", fontName=regular, fontSize=9.5, leading=12.5, alignment=TA_CENTER
        ),
        "h2": ParagraphStyle(
            "h2", fontName=bold, fontSize=12, leading=15, spaceBefore=10, spaceAfter=4
        ),
        "body": ParagraphStyle("body", fontName=regular, fontSize=9, leading=12),
        "small": ParagraphStyle("small", fontName=regular, fontSize=7.5, leading=9.5),
        "head": ParagraphStyle("head", fontName=bold, fontSize=7.5, leading=9.5),
    }


def chart_drawing(chart: BarChart, *, width: float) -> Drawing:
    """The chart scaled to `width` points; reportlab's y axis points up, SVG's down."""
    scale = width / chart.width
    height = chart.height
    drawing = Drawing(width, height * scale)
    regular, bold = pdf_font_name(bold=False), pdf_font_name(bold=True)

    def y(value: float) -> float:
        return (height - value) * scale

    def text(
        x: float,
        top: float,
        value: str,
        *,
        anchor: str = "start",
        size: float = 8,
        font: str = regular,
    ) -> None:
        drawing.add(
            String(
                x * scale,
                y(top),
                value,
                fontName=font,
                fontSize=size,
                textAnchor=anchor,
                fillColor=colors.HexColor(TEXT_COLOUR),
            )
        )

    text(0, 16, chart.title, size=10, font=bold)
    left, top, plot_width, plot_height = chart.plot
    axis = colors.HexColor(AXIS_COLOUR)
    if chart.horizontal:
        drawing.add(
            Line(left * scale, y(top), left * scale, y(top + plot_height), strokeColor=axis)
        )
    else:
        drawing.add(
            Line(
                left * scale,
                y(top + plot_height),
                (left + plot_width) * scale,
                y(top + plot_height),
                strokeColor=axis,
            )
        )
    for bar in chart.bars():
        drawing.add(
            Rect(
                bar.x * scale,
                y(bar.y + bar.height),
                bar.width * scale,
                bar.height * scale,
                fillColor=colors.HexColor(BAR_COLOUR),
                strokeColor=None,
            )
        )
        value = chart.value_format(bar.value)
        if chart.horizontal:
            middle = bar.y + bar.height / 2 + 3
            text(left - 6, middle, bar.label[:28], anchor="end")
            text(bar.x + bar.width + 4, middle, value)
        else:
            centre = bar.x + bar.width / 2
            text(centre, top + plot_height + 14, bar.label, anchor="middle")
            text(centre, bar.y - 4, value, anchor="middle")
    if chart.empty:
        text(left + plot_width / 2, top + plot_height / 2, chart.empty_note, anchor="middle")
    return drawing


def _pdf_table(
    table: Table, styles: dict[str, ParagraphStyle], *, lang: str, width: float
) -> PdfTable:
    header = [Paragraph(c.label(lang), styles["head"]) for c in table.columns]
    body = []
    for row in table.rows:
        cells = []
        for column, value in zip(table.columns, table.cells(row), strict=True):
            # Indicator rows say themselves whether their values are shares.
            percent = column.kind == "percent" or (
                column.key in ("value", "previous") and bool(row.get("percent"))
            )
            text = format_number(value, lang, percent=percent)
            if value is None and row.get("missing") and column.key == "value":
                text = row["missing"]
            cells.append(Paragraph(text, styles["small"]))
        body.append(cells)
    text_columns = [c for c in table.columns if c.kind == "text"]
    numeric = len(table.columns) - len(text_columns)
    numeric_width = min(22 * mm, width / max(len(table.columns), 1))
    text_width = (width - numeric * numeric_width) / max(len(text_columns), 1)
    widths = [text_width if c.kind == "text" else numeric_width for c in table.columns]
    pdf_table = PdfTable([header, *body], colWidths=widths, repeatRows=1)
    pdf_table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9f5ef")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#dde5e0")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return pdf_table


def _heading(styles: dict[str, ParagraphStyle], *, width: float, vi: bool) -> PdfTable:
    """The two columns every Vietnamese administrative document opens with (Decree
    30/2020/NĐ-CP, Appendix I): the issuing agency and the number on the left, the
    national title and the place and date on the right."""
    day = today()
    if vi:
        agency = [PARENT_AGENCY.upper(), f"<b>{AGENCY.upper()}</b>", "_______", NUMBER_LINE]
        nation = [
            "<b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b>",
            "<b>Độc lập - Tự do - Hạnh phúc</b>",
            "_______________",
            f"Đồng Tháp, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}",
        ]
    else:
        agency = [
            "DEPARTMENT OF SCIENCE AND TECHNOLOGY",
            "<b>STANDARDS, METROLOGY AND QUALITY AGENCY</b>",
            "_______",
            "No.: ......../BC-CCTĐC",
        ]
        nation = [
            "<b>SOCIALIST REPUBLIC OF VIET NAM</b>",
            "<b>Independence - Freedom - Happiness</b>",
            "_______________",
            f"Đồng Tháp, {day.strftime('%d/%m/%Y')}",
        ]
    cell = styles["heading"]
    table = PdfTable(
        [[[Paragraph(line, cell) for line in agency], [Paragraph(line, cell) for line in nation]]],
        colWidths=[width * 0.42, width * 0.58],
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _signature(styles: dict[str, ParagraphStyle], *, width: float, vi: bool) -> PdfTable:
    """Recipients on the left, the signer's title and space to sign on the right."""
    recipients = (
        ["<b>Nơi nhận:</b>", "- Sở Khoa học và Công nghệ;", "- Lưu: VT."]
        if vi
        else ["<b>Recipients:</b>", "- Department of Science and Technology;", "- Archive."]
    )
    signer = (
        ["<b>CHI CỤC TRƯỞNG</b>", "(Ký, ghi rõ họ tên và đóng dấu)"]
        if vi
        else ["<b>DIRECTOR</b>", "(Signature, full name and seal)"]
    )
    table = PdfTable(
        [
            [
                [Paragraph(line, styles["small"]) for line in recipients],
                [Paragraph(line, styles["heading"]) for line in signer],
            ]
        ],
        colWidths=[width * 0.5, width * 0.5],
    )
    table.setStyle(
        TableStyle(
            [("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (1, 0), (1, 0), 28 * mm)]
        )
    )
    return table


def report_pdf(
    tables: dict[str, Table],
    charts: Sequence[BarChart],
    view: View,
    *,
    lang: str,
    filter_names: Sequence[str] = (),
) -> bytes:
    styles = _styles()
    width = A4[0] - 2 * MARGIN
    vi = lang == "vi"
    period = view.period.label(lang)
    story: list[object] = [
        _heading(styles, width=width, vi=vi),
        Spacer(1, 6 * mm),
        Paragraph("BÁO CÁO" if vi else "REPORT", styles["doc_title"]),
        Paragraph(
            (
                "Báo cáo định kỳ: mã số, mã vạch, truy xuất nguồn gốc — "
                if vi
                else "Periodic report: codes, barcodes, traceability — "
            )
            + period,
            styles["title"],
        ),
    ]
    if filter_names:
        story.append(
            Paragraph(
                ("Phạm vi: " if vi else "Scope: ") + escape(", ".join(filter_names)),
                styles["centred"],
            )
        )
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph("Chỉ tiêu" if vi else "Indicators", styles["h2"]))
    story.append(_pdf_table(tables["indicators"], styles, lang=lang, width=width))
    story.append(Paragraph("Biểu đồ" if vi else "Charts", styles["h2"]))
    for chart in charts:
        drawing = chart_drawing(chart, width=width * CHART_SHARE)
        story.append(KeepTogether([drawing, Spacer(1, 4 * mm)]))
    for name in REPORT_TABLES:
        table = tables[name]
        block: list[object] = [Paragraph(table.title(lang), styles["h2"])]
        if table.note(lang):
            block.append(Paragraph(table.note(lang), styles["small"]))
        story.append(KeepTogether(block))
        story.append(_pdf_table(table, styles, lang=lang, width=width))
    story.append(Spacer(1, 8 * mm))
    story.append(KeepTogether([_signature(styles, width=width, vi=vi)]))
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"truyxuat — {period}",
        author="truyxuat",
        creator="truyxuat",
    )
    doc.build(story)
    return out.getvalue()
