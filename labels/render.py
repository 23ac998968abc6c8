"""One renderer for every output: shapes to SVG text, onto a reportlab canvas, or to PNG."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from labels import fonts
from labels.errors import LabelError
from labels.shapes import Drawing, ModuleGrid

MM_PER_INCH = 25.4
_BOLD = ' font-weight="bold"'
_CJK = f' font-family="{fonts.SVG_CJK_FONT_FAMILY}" lang="zh-Hans"'
_PIL_ANCHOR = {"start": "ls", "middle": "ms", "end": "rs"}
# 16 megapixels of greyscale is 16 MB and a second or two of drawing: a 200x200 mm label
# at 500 dpi fits, a 5000x5000 mm one (14 GB at 600 dpi) never starts.
MAX_RASTER_PIXELS = 16_000_000


def _n(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def to_svg(drawing: Drawing) -> str:
    path = "".join(
        f"M{_n(r.x)} {_n(r.y)}h{_n(r.width)}v{_n(r.height)}h{_n(-r.width)}z" for r in drawing.rects
    )
    path += "".join(
        "M" + "L".join(f"{_n(x)} {_n(y)}" for x, y in p.points) + "z" for p in drawing.polygons
    )
    grids = "".join(
        f'<path transform="translate({_n(g.x)} {_n(g.y)}) scale({_n(g.module)})" d="'
        + "".join(f"M{column} {row}h{length}v1h-{length}z" for row, column, length in g.runs)
        + '"/>'
        for g in drawing.grids
    )
    # Lines were fitted with the label font's metrics; a viewer without that font (an <img>
    # cannot load one) falls back to a wider face, so each line is held to its measured
    # length rather than running off the label's right edge.
    texts = "".join(
        f'<text x="{_n(t.x)}" y="{_n(t.baseline)}" font-size="{_n(t.size)}"'
        f' text-anchor="{t.anchor}"{_BOLD if t.bold else ""}{_CJK if t.face == "cjk" else ""}'
        f' textLength="{_n(fonts.text_width(t.text, t.size, bold=t.bold, face=t.face))}"'
        ' lengthAdjust="spacingAndGlyphs">'
        f"{escape(t.text)}</text>"
        for t in drawing.texts
    )
    width, height = _n(drawing.width), _n(drawing.height)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}mm" height="{height}mm"'
        f' viewBox="0 0 {width} {height}">'
        f'<rect width="{width}" height="{height}" fill="#fff"/>'
        f'<g fill="#000"><path d="{path}"/>{grids}</g>'
        f'<g font-family="{fonts.SVG_FONT_FAMILY}" fill="#000">{texts}</g>'
        "</svg>\n"
    )


def shape_operators(drawing: Drawing) -> str:
    """PDF fill operators for the rectangles and polygons, in drawing millimetres."""
    parts = [f"{_n(r.x)} {_n(r.y)} {_n(r.width)} {_n(r.height)} re" for r in drawing.rects]
    for polygon in drawing.polygons:
        (x0, y0), *rest = polygon.points
        parts.append(f"{_n(x0)} {_n(y0)} m " + " ".join(f"{_n(x)} {_n(y)} l" for x, y in rest))
        parts.append("h")
    return " ".join(parts)


def grid_operators(grid: ModuleGrid, *, x: float, top: float) -> str:
    """A module grid as integer `re` operators under a matrix that scales modules to points."""
    module = grid.module * mm
    origin_x, origin_y = x + grid.x * mm, top - grid.y * mm
    runs = " ".join([f"{column} {row} {length} 1 re" for row, column, length in grid.runs])
    return f"q 0 g {module:.5f} 0 0 {-module:.5f} {origin_x:.3f} {origin_y:.3f} cm {runs} f Q"


def draw_on_canvas(canvas: Canvas, drawing: Drawing, *, x: float, y: float) -> None:
    """Draw with the drawing's bottom-left corner at (x, y) points on the canvas."""
    top = y + drawing.height * mm
    for grid in drawing.grids:
        canvas.addLiteral(grid_operators(grid, x=x, top=top))
    operators = shape_operators(drawing)
    if operators:
        # One literal stream of `re` operators is ~20x faster than canvas.rect per module;
        # the matrix maps millimetres with y down onto PDF points with y up.
        canvas.addLiteral(f"q 0 g {_n(mm)} 0 0 {_n(-mm)} {_n(x)} {_n(top)} cm {operators} f Q")
    draw_texts_on_canvas(canvas, drawing, x=x, y=y)


def draw_texts_on_canvas(canvas: Canvas, drawing: Drawing, *, x: float, y: float) -> None:
    if not drawing.texts:
        return
    canvas.setFillColorRGB(0, 0, 0)
    top = y + drawing.height * mm
    for text in drawing.texts:
        canvas.setFont(fonts.pdf_font_name(bold=text.bold, face=text.face), text.size * mm)
        tx, ty = x + text.x * mm, top - text.baseline * mm
        if text.anchor == "middle":
            canvas.drawCentredString(tx, ty, text.text)
        elif text.anchor == "end":
            canvas.drawRightString(tx, ty, text.text)
        else:
            canvas.drawString(tx, ty, text.text)


def to_image(drawing: Drawing, *, dpi: float) -> Image.Image:
    """Rasterise to a greyscale image; module edges snap to whole pixels."""
    scale = dpi / MM_PER_INCH
    size = (round(drawing.width * scale), round(drawing.height * scale))
    if size[0] * size[1] > MAX_RASTER_PIXELS:
        raise LabelError(
            f"Ảnh {size[0]}x{size[1]} điểm ảnh vượt giới hạn {MAX_RASTER_PIXELS:,} điểm ảnh;"
            " giảm dpi hoặc cỡ tem.".replace(",", "."),
            f"A {size[0]}x{size[1]} pixel image exceeds the {MAX_RASTER_PIXELS:,} pixel limit;"
            " lower the dpi or the label size.",
            field="dpi",
        )
    image = Image.new("L", size, 255)
    pen = ImageDraw.Draw(image)
    for r in drawing.rects:
        x0, y0 = round(r.x * scale), round(r.y * scale)
        x1, y1 = round((r.x + r.width) * scale), round((r.y + r.height) * scale)
        if x1 > x0 and y1 > y0:
            pen.rectangle((x0, y0, x1 - 1, y1 - 1), fill=0)
    for grid in drawing.grids:
        for row, column, length in grid.runs:
            x0 = round((grid.x + column * grid.module) * scale)
            x1 = round((grid.x + (column + length) * grid.module) * scale)
            y0 = round((grid.y + row * grid.module) * scale)
            y1 = round((grid.y + (row + 1) * grid.module) * scale)
            pen.rectangle((x0, y0, x1 - 1, y1 - 1), fill=0)
    for polygon in drawing.polygons:
        pen.polygon([(px * scale, py * scale) for px, py in polygon.points], fill=0)
    for text in drawing.texts:
        font = fonts.pil_font(max(1, round(text.size * scale)), bold=text.bold, face=text.face)
        pen.text(
            (text.x * scale, text.baseline * scale),
            text.text,
            font=font,
            fill=0,
            anchor=_PIL_ANCHOR[text.anchor],
        )
    return image


def to_png(drawing: Drawing, *, dpi: float) -> bytes:
    buffer = io.BytesIO()
    to_image(drawing, dpi=dpi).save(buffer, format="PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


def to_pdf(drawing: Drawing) -> bytes:
    """A one-page PDF exactly the size of the drawing."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(drawing.width * mm, drawing.height * mm), pageCompression=1)
    draw_on_canvas(canvas, drawing, x=0, y=0)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
