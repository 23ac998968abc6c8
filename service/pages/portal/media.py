"""Serves uploaded product photos at /media/products/<name>.jpg (the consumer page links them)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from starlette.exceptions import HTTPException

from service.pages.portal.images import PRODUCT_IMAGE_DIR, STORED_NAME, media_root

router = APIRouter()


@router.get(f"/media/{PRODUCT_IMAGE_DIR}/{{name}}")
def product_image(request: Request, name: str) -> FileResponse:
    path = media_root(request) / PRODUCT_IMAGE_DIR / name
    if not STORED_NAME.fullmatch(name) or not path.is_file():
        raise HTTPException(status_code=404)
    # Names are random and never reused, so the file never changes.
    return FileResponse(
        path, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=31536000"}
    )
