"""The one font family labels use: Open Sans (has every Vietnamese glyph), from `ttf-opensans`.

Falls back to Debian's DejaVu Sans when that package is missing; without either
a label with text cannot be rendered and a clear error says so.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from labels.errors import LabelError

REGULAR = "TruyxuatSans"
BOLD = "TruyxuatSans-Bold"
SVG_FONT_FAMILY = "'Open Sans', 'DejaVu Sans', sans-serif"

_DEBIAN_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@cache
def font_path(*, bold: bool = False) -> Path:
    try:
        import ttf_opensans

        font = ttf_opensans.OPENSANS_BOLD if bold else ttf_opensans.OPENSANS_REGULAR
        packaged: Path = font.path
        if packaged.is_file():
            return packaged
    except ImportError:
        pass
    fallback = _DEBIAN_DEJAVU / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if fallback.is_file():
        return fallback
    raise LabelError(
        "Không tìm thấy phông chữ có đủ dấu tiếng Việt: cài gói ttf-opensans.",
        "No font with Vietnamese glyphs found: install the ttf-opensans package.",
    )


@cache
def register_pdf_fonts() -> None:
    """Register both weights with reportlab once per process (subset-embedded on use)."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(font_path())))
    pdfmetrics.registerFont(TTFont(BOLD, str(font_path(bold=True))))


def pdf_font_name(*, bold: bool) -> str:
    register_pdf_fonts()
    return BOLD if bold else REGULAR


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Advance width of `text` in the unit `size` is given in."""
    return float(pdfmetrics.stringWidth(text, pdf_font_name(bold=bold), size))


def missing_glyphs(text: str, *, bold: bool = False) -> set[str]:
    """Characters of `text` the font has no glyph for."""
    register_pdf_fonts()
    face = pdfmetrics.getFont(pdf_font_name(bold=bold)).face
    return {char for char in text if not char.isspace() and ord(char) not in face.charToGlyph}


@cache
def pil_font(size_px: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(bold=bold)), size_px)
