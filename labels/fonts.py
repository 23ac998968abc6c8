"""The fonts labels use: Open Sans (has every Vietnamese glyph), from `ttf-opensans`, and
for Chinese (export labels) WenQuanYi Micro Hei from Debian's `fonts-wqy-microhei`.

Open Sans falls back to Debian's DejaVu Sans when that package is missing; without either
a label with text cannot be rendered and a clear error says so. The Chinese font is a
TrueType collection because reportlab embeds TrueType outlines only (Noto Sans CJK and
Source Han Sans ship CFF outlines, which it refuses); without it, or for a character it
lacks, Chinese text is refused (vi + en) rather than printed as empty boxes.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from labels.errors import LabelError
from labels.shapes import Face

REGULAR = "TruyxuatSans"
BOLD = "TruyxuatSans-Bold"
CJK = "TruyxuatCJK"
SVG_FONT_FAMILY = "'Open Sans', 'DejaVu Sans', sans-serif"
SVG_CJK_FONT_FAMILY = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Source Han Sans SC', sans-serif"

_DEBIAN_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
# Debian fonts-wqy-microhei: a TrueType collection, its first face the proportional one.
CJK_FONT = (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0)


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


def cjk_font() -> tuple[Path, int]:
    """The Chinese font file and its face in the collection; a LabelError if not installed."""
    path, index = CJK_FONT
    if path.is_file():
        return path, index
    raise LabelError(
        "Không tìm thấy phông chữ tiếng Trung để in tem xuất khẩu: "
        "cài gói fonts-wqy-microhei (apt-get install fonts-wqy-microhei).",
        "No Chinese font found to print export labels: "
        "install the fonts-wqy-microhei package (apt-get install fonts-wqy-microhei).",
        field="font",
    )


@cache
def register_pdf_fonts() -> None:
    """Register both weights with reportlab once per process (subset-embedded on use)."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(font_path())))
    pdfmetrics.registerFont(TTFont(BOLD, str(font_path(bold=True))))


@cache
def _register_cjk_font(path: Path, index: int) -> None:
    pdfmetrics.registerFont(TTFont(CJK, str(path), subfontIndex=index))


def pdf_font_name(*, bold: bool, face: Face = "sans") -> str:
    """The font reportlab draws with; Chinese has one weight (bold text is set regular)."""
    if face == "cjk":
        _register_cjk_font(*cjk_font())
        return CJK
    register_pdf_fonts()
    return BOLD if bold else REGULAR


def text_width(text: str, size: float, *, bold: bool = False, face: Face = "sans") -> float:
    """Advance width of `text` in the unit `size` is given in."""
    return float(pdfmetrics.stringWidth(text, pdf_font_name(bold=bold, face=face), size))


def missing_glyphs(text: str, *, bold: bool = False, face: Face = "sans") -> set[str]:
    """Characters of `text` the font has no glyph for."""
    font = pdfmetrics.getFont(pdf_font_name(bold=bold, face=face)).face
    return {char for char in text if not char.isspace() and ord(char) not in font.charToGlyph}


def refuse_missing_glyphs(text: str, *, face: Face, field: str) -> None:
    """A LabelError naming the characters the font would print as empty boxes."""
    missing = missing_glyphs(text, face=face)
    if missing:
        shown = " ".join(sorted(missing))
        raise LabelError(
            f"Phông chữ của tem không có ký tự: {shown} (trong {text!r}).",
            f"The label font has no glyph for: {shown} (in {text!r}).",
            field=field,
        )


@cache
def pil_font(size_px: int, *, bold: bool = False, face: Face = "sans") -> ImageFont.FreeTypeFont:
    if face == "cjk":
        path, index = cjk_font()
        return ImageFont.truetype(str(path), size_px, index=index)
    return ImageFont.truetype(str(font_path(bold=bold)), size_px)
