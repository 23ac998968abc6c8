"""The periodic report (quarter or year) as a PDF: indicators, charts and tables.

Text is set in the font the labels embed (Open Sans, every Vietnamese glyph); the
charts are the dashboard's own geometry drawn with reportlab graphics.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer
from reportlab.platypus import Table as PdfTable

from labels.fonts import pdf_font_name
from registry.stats.tables import Table
from service.pages import administrative_document as document
from service.pages.agency.charts import AXIS_COLOUR, BAR_COLOUR, TEXT_COLOUR, BarChart
from service.pages.agency.common import View, format_number, today

# The agency that issues the report, under its parent department (Đồng Tháp province).
ISSUER = {
    "vi": (
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH ĐỒNG THÁP",
        "<b>CHI CỤC TIÊU CHUẨN ĐO LƯỜNG CHẤT LƯỢNG</b>",
    ),
    "en": (
        "DEPARTMENT OF SCIENCE AND TECHNOLOGY",
        "<b>STANDARDS, METROLOGY AND QUALITY AGENCY</b>",
    ),
}
PLACE = "Đồng Tháp"
# Báo cáo, issued by the Chi cục TĐC. The report has no number of its own: the clerk gives
# one when the signed report is registered.
SYMBOL = "BC-CCTĐC"
RECIPIENTS = {
    "vi": ("<b>Nơi nhận:</b>", "- Sở Khoa học và Công nghệ;", "- Lưu: VT."),
    "en": ("<b>Recipients:</b>", "- Department of Science and Technology;", "- Archive."),
}
SIGNER = {"vi": "CHI CỤC TRƯỞNG", "en": "DIRECTOR"}
REPORT_TABLES = ("monthly", "by_ward", "by_kind", "by_sector", "top_products", "places", "verdicts")
CHART_SHARE = 0.7


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
    pdf_table.setStyle(document.table_style(header=True))
    return pdf_table


def report_pdf(
    tables: dict[str, Table],
    charts: Sequence[BarChart],
    view: View,
    *,
    lang: str,
    filter_names: Sequence[str] = (),
) -> bytes:
    styles = document.styles()
    width = document.WIDTH
    vi = lang == "vi"
    words = "vi" if vi else "en"  # the heading's and signature's language
    period = view.period.label(lang)
    story: list[Flowable] = [
        document.heading(
            issuer=ISSUER[words],
            number=None,
            symbol=SYMBOL,
            issued_on=today(),
            place=PLACE,
            langs=(words,),
            style=styles["heading"],
        ),
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
                styles["subtitle"],
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
        block: list[Flowable] = [Paragraph(table.title(lang), styles["h2"])]
        if table.note(lang):
            block.append(Paragraph(table.note(lang), styles["small"]))
        story.append(KeepTogether(block))
        story.append(_pdf_table(table, styles, lang=lang, width=width))
    story.append(Spacer(1, 8 * mm))
    story.append(
        document.signature(
            signer=SIGNER[words],
            langs=(words,),
            recipients=RECIPIENTS[words],
            styles=styles,
        )
    )
    return document.build(story, title=f"truyxuat — {period}", author="truyxuat")
