"""Uploaded images (product photos, scans of prefix certificates): decoded to prove what
they are, shrunk, and re-encoded without metadata."""

from __future__ import annotations

import io
import re
import secrets
import warnings
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from starlette.datastructures import UploadFile
from starlette.requests import Request

from registry.errors import InvalidInput

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
MAX_SIDE_PX = 1200
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
JPEG_QUALITY = 85
STORED_NAME = re.compile(r"[0-9a-f]{24}\.jpg")
PRODUCT_IMAGE_DIR = "products"
# Certificate scans are evidence for officers, never served to the public.
LICENCE_SCAN_DIR = "licences"


def media_root(request: Request) -> Path:
    """Uploads live in the data directory, beside the print runs."""
    data_dir: Path = request.app.state.truyxuat.settings.data_dir
    return data_dir / "media"


def clean_image(data: bytes, *, field: str = "image") -> bytes:
    """The image as a JPEG of at most MAX_SIDE_PX a side, or InvalidInput saying why not."""

    def _refuse(message_vi: str, message_en: str) -> InvalidInput:
        return InvalidInput(message_vi, message_en, field=field)

    if len(data) > MAX_IMAGE_BYTES:
        raise _refuse("Ảnh lớn hơn 5 MB.", "The image is larger than 5 MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise _refuse("Chỉ nhận ảnh JPEG, PNG hoặc WebP.", "Only JPEG, PNG or WebP images.")
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise _refuse(
                    "Ảnh có hơn 40 triệu điểm ảnh.", "The image has more than 40 megapixels."
                )
            image.load()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ) as exc:
        raise _refuse(
            "Tệp không phải ảnh JPEG, PNG hoặc WebP đọc được.",
            "The file is not a readable JPEG, PNG or WebP image.",
        ) from exc
    upright: Image.Image = ImageOps.exif_transpose(image)
    upright.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX))
    out = io.BytesIO()
    # A new image carries no EXIF, GPS or ICC data from the upload.
    _flattened(upright).save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def uploaded_image(form: Any, name: str = "image") -> bytes | None:
    """The image uploaded in a form field, cleaned; None when no file was chosen."""
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    upload.file.seek(0)
    return clean_image(upload.file.read(MAX_IMAGE_BYTES + 1), field=name)


def _flattened(image: Image.Image) -> Image.Image:
    """RGB, with any transparency laid on white (JPEG has no alpha)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def store_image(media_dir: Path, jpeg: bytes, *, folder: str = PRODUCT_IMAGE_DIR) -> str:
    """Write the cleaned image; returns its path relative to the media root."""
    target = media_dir / folder
    target.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(12)}.jpg"
    (target / name).write_bytes(jpeg)
    return f"{folder}/{name}"


def stored_image(media_dir: Path, relative: str) -> Path | None:
    """The file of a stored image path, if it is one this module wrote and it is still there."""
    folder, _, name = relative.partition("/")
    path = media_dir / folder / name
    if folder not in (PRODUCT_IMAGE_DIR, LICENCE_SCAN_DIR) or not STORED_NAME.fullmatch(name):
        return None
    return path if path.is_file() else None
