"""Reading untrusted image files safely, and the transformed views the decoder tries.

Every view keeps a mapping back to the pixels of the upright source image, so a code found in a
rotated or rescaled view is still reported where it is in the photo.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from scanner_client.errors import DecodeError

try:  # HEIC/HEIF from iPhones, only when the optional plugin is installed
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:
    pass

# Phones give 12-50 MP; more than this is refused from the header alone, before pixels are
# decompressed, so a small file that declares a huge canvas cannot exhaust memory.
MAX_PIXELS = 50_000_000
# Larger frames are decoded at reduced size: JPEG draft mode decodes at 1/2, 1/4 or 1/8 scale for
# almost nothing, and codes that fill a useful part of such a frame stay readable.
MAX_WORKING_SIDE = 4096
# MPO is how Pillow names the JPEG files many phones write (a JPEG with a depth/preview frame).
SUPPORTED_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "HEIF", "AVIF")


def _openable_formats() -> list[str]:
    Image.init()
    return [name for name in SUPPORTED_FORMATS if name in Image.OPEN]


ImageSource = bytes | str | Path | Image.Image
Point = tuple[float, float]
PointMap = Callable[[float, float], Point]


@dataclass(frozen=True)
class View:
    """A grayscale picture to decode plus the way back to source coordinates."""

    image: Image.Image
    to_source: PointMap

    @property
    def longest_side(self) -> int:
        return max(self.image.size)


def load_view(source: ImageSource) -> View:
    """Open, check and convert an image to an upright grayscale view; DecodeError if unusable."""
    if isinstance(source, Image.Image):
        _refuse_too_many_pixels(source.size)
        picture, draft_scale = source, 1.0
    else:
        picture, draft_scale = _open_checked(source)
    try:
        picture = _upright(picture)
        gray, resize_scale = _working_grayscale(picture)
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as error:
        raise _broken_file(error) from error
    scale = draft_scale * resize_scale
    return View(gray, _identity if scale == 1 else _scale_map(1 / scale))


def _open_checked(source: bytes | str | Path) -> tuple[Image.Image, float]:
    if isinstance(source, bytes):
        return _read_checked(io.BytesIO(source))
    try:
        stream = open(source, "rb")  # noqa: SIM115 - closed below, after the pixels are read
    except OSError as error:
        raise DecodeError(
            message_vi=f"Không đọc được tệp {source}: {error.strerror}.",
            message_en=f"Cannot read file {source}: {error.strerror}.",
        ) from error
    with stream:
        return _read_checked(stream)


def _read_checked(stream: BinaryIO) -> tuple[Image.Image, float]:
    """The loaded picture and the scale JPEG draft mode decoded it at."""
    try:
        with warnings.catch_warnings():
            # Our own, lower limit is checked right below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            picture = Image.open(stream, formats=_openable_formats())
    except Image.DecompressionBombError as error:
        raise _too_large(None) from error
    except UnidentifiedImageError as error:
        raise _not_supported(stream) from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise _broken_file(error) from error
    _refuse_too_many_pixels(picture.size)
    declared_width = picture.width
    if picture.format in ("JPEG", "MPO") and max(picture.size) > MAX_WORKING_SIDE:
        shrink = max(picture.size) / MAX_WORKING_SIDE
        picture.draft("L", (math.ceil(picture.width / shrink), math.ceil(picture.height / shrink)))
    try:
        picture.load()
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as error:
        raise _broken_file(error) from error
    return picture, picture.width / declared_width


def _refuse_too_many_pixels(size: tuple[int, int]) -> None:
    width, height = size
    if width * height > MAX_PIXELS:
        raise _too_large(size)


def _too_large(size: tuple[int, int] | None) -> DecodeError:
    limit = MAX_PIXELS // 1_000_000
    if size is None:
        shown_vi = shown_en = ""
    else:
        width, height = size
        shown_vi = f" ({width}×{height}, {width * height / 1e6:.0f} megapixel)"
        shown_en = f" ({width}×{height}, {width * height / 1e6:.0f} megapixels)"
    return DecodeError(
        message_vi=f"Ảnh quá lớn{shown_vi}; chỉ nhận ảnh tối đa {limit} megapixel.",
        message_en=f"Image too large{shown_en}; at most {limit} megapixels are accepted.",
    )


def _not_supported(stream: BinaryIO) -> DecodeError:
    stream.seek(0)
    try:
        # Header only, never load(): formats outside the list may run external decoders.
        other_format = Image.open(stream).format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        other_format = None
    accepted = "JPEG, PNG, WebP, HEIC"
    if other_format:
        return DecodeError(
            message_vi=f"Định dạng ảnh {other_format} không được hỗ trợ; hãy dùng {accepted}.",
            message_en=f"Image format {other_format} is not supported; use {accepted}.",
        )
    return DecodeError(
        message_vi=f"Tệp này không phải là ảnh ({accepted}).",
        message_en=f"This file is not an image ({accepted}).",
    )


def _broken_file(error: BaseException) -> DecodeError:
    return DecodeError(
        message_vi=f"Tệp ảnh bị hỏng hoặc không đầy đủ ({error}).",
        message_en=f"The image file is damaged or incomplete ({error}).",
    )


def _upright(picture: Image.Image) -> Image.Image:
    upright = ImageOps.exif_transpose(picture)
    return upright if upright is not None else picture


def _working_grayscale(picture: Image.Image) -> tuple[Image.Image, float]:
    """Grayscale copy no longer than MAX_WORKING_SIDE, and the scale applied to get it."""
    if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        # Transparent pixels often hide black RGB values; a label is printed on white.
        rgba = picture.convert("RGBA")
        background = Image.new("RGBA", rgba.size, "white")
        picture = Image.alpha_composite(background, rgba)
    gray = picture if picture.mode == "L" else picture.convert("L")
    scale = 1.0
    if max(gray.size) > MAX_WORKING_SIDE:
        scale = MAX_WORKING_SIDE / max(gray.size)
        gray = gray.resize(
            (round(gray.width * scale), round(gray.height * scale)), Image.Resampling.BOX
        )
    return gray, scale


def _identity(x: float, y: float) -> Point:
    return (x, y)


def _scale_map(factor: float) -> PointMap:
    def scale(x: float, y: float) -> Point:
        return (x * factor, y * factor)

    return scale


def scaled(view: View, factor: float) -> View:
    """The view resized by `factor` (bicubic up, box-filtered down)."""
    width, height = view.image.size
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    resample = Image.Resampling.BICUBIC if factor > 1 else Image.Resampling.BOX
    back = _scale_map(1 / factor)

    def to_source(x: float, y: float) -> Point:
        return view.to_source(*back(x, y))

    return View(view.image.resize(size, resample), to_source)


def rotated(view: View, degrees: float) -> View:
    """The view turned counter-clockwise by `degrees`, canvas grown to keep every pixel."""
    image = view.image.rotate(
        degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255
    )
    old_cx, old_cy = view.image.width / 2, view.image.height / 2
    new_cx, new_cy = image.width / 2, image.height / 2
    cos_a, sin_a = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))

    def to_source(x: float, y: float) -> Point:
        dx, dy = x - new_cx, y - new_cy
        # Inverse of Pillow's rotation on a y-down grid: turn back clockwise.
        return view.to_source(old_cx + dx * cos_a - dy * sin_a, old_cy + dx * sin_a + dy * cos_a)

    return View(image, to_source)


def inverted(view: View) -> View:
    return View(ImageOps.invert(view.image), view.to_source)


def enhanced(view: View) -> View:
    """Stretched contrast and sharpened edges, for faded, glared or slightly blurred prints."""
    stretched = ImageOps.autocontrast(view.image, cutoff=2)
    return View(stretched.filter(ImageFilter.UnsharpMask(radius=2, percent=150)), view.to_source)


def denoised(view: View) -> View:
    """Median-filtered, for sensor noise that breaks thin bars into speckles."""
    return View(view.image.filter(ImageFilter.MedianFilter(3)), view.to_source)
