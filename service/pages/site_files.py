"""The files browsers and crawlers ask every site for: /favicon.ico and /robots.txt."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, PlainTextResponse

router = APIRouter(include_in_schema=False)

FAVICON = Path(__file__).resolve().parents[1] / "static" / "favicon.ico"
# Consumer pages may be indexed; the portals, the APIs and their documents may not.
ROBOTS = """User-agent: *
Allow: /p/
Disallow: /portal
Disallow: /agency
Disallow: /api
Disallow: /epcis
"""
_DAY = "public, max-age=86400"


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    return FileResponse(FAVICON, media_type="image/x-icon", headers={"cache-control": _DAY})


@router.get("/robots.txt")
def robots() -> PlainTextResponse:
    return PlainTextResponse(ROBOTS, headers={"cache-control": _DAY})
