"""Reading a request body with a ceiling: a larger one is refused before it is held whole;
and the refusal every body over its family's ceiling gets (service/body_limits.py)."""

from __future__ import annotations

from typing import Final

from starlette.exceptions import HTTPException
from starlette.requests import Request

from registry.errors import TruyxuatError

KIB: Final = 1024
MIB: Final = 1024 * KIB


class BodyTooLarge(Exception):
    """The body (as declared, or as received so far) is larger than allowed."""


async def read_body_within(request: Request, limit_bytes: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit_bytes:
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit_bytes:
            raise BodyTooLarge
    return bytes(body)


class BodyOverLimit(HTTPException):
    """Raised by the counting `receive`: an HTTPException, so FastAPI's body reading lets
    it through (anything else becomes its own 400) to the app's handler for it."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413)
        self.limit = limit


class ContentTooLarge(TruyxuatError):
    status = 413
    slug = "content-too-large"  # RFC 9110 §15.5.14
    title = "Content too large"


def too_large_error(limit: int) -> ContentTooLarge:
    shown = f"{limit / MIB:.1f} MB" if limit >= MIB else f"{limit // KIB} KB"
    return ContentTooLarge(
        f"Dữ liệu gửi lên quá lớn: tối đa {shown.replace('.', ',')} cho địa chỉ này.",
        f"The request body is too large: {shown} at most here.",
    )
