"""Serves uploaded product photos at /media/products/<name>.jpg (the consumer page links them).

`?size=small` answers a copy at most SMALL_SIDE_PX a side (about 10 KB instead of a few
hundred), made on first request and kept beside the photo: the consumer page shows the
photo at 96 CSS pixels and must stay light on a slow phone connection.
"""

from __future__ import annotations

import io
import secrets
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from PIL import Image
from starlette.exceptions import HTTPException

from service.pages.portal.images import JPEG_QUALITY, PRODUCT_IMAGE_DIR, STORED_NAME, media_root

# Twice the consumer page's 96 CSS pixels, for phone screens of two device pixels per pixel.
SMALL_SIDE_PX = 192
SMALL_DIR = "small"

router = APIRouter()


@router.get(f"/media/{PRODUCT_IMAGE_DIR}/{{name}}")
def product_image(
    request: Request, name: str, size: Annotated[Literal["", "small"], Query()] = ""
) -> FileResponse:
    path = media_root(request) / PRODUCT_IMAGE_DIR / name
    if not STORED_NAME.fullmatch(name) or not path.is_file():
        raise HTTPException(status_code=404)
    if size == "small":
        path = _small_copy(path)
    # Names are random and never reused, so the file never changes.
    return FileResponse(
        path, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=31536000"}
    )


def _small_copy(photo: Path) -> Path:
    """The photo shrunk to SMALL_SIDE_PX, written once (atomically: two first requests at
    once each write their own file and one rename wins)."""
    small = photo.parent / SMALL_DIR / photo.name
    if small.is_file():
        return small
    small.parent.mkdir(exist_ok=True)
    # The stored photo was cleaned on upload (registry images: at most 1200 px, JPEG).
    with Image.open(photo) as image:
        image.thumbnail((SMALL_SIDE_PX, SMALL_SIDE_PX))
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    partial = small.with_suffix(f".{secrets.token_hex(6)}.part")
    partial.write_bytes(out.getvalue())
    partial.replace(small)
    return small
