"""Reading a request body with a ceiling: a larger one is refused before it is held whole."""

from __future__ import annotations

from starlette.requests import Request


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
