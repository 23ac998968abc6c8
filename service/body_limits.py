"""Every request body has a ceiling, by route family, and a write that needs a caller is
refused before its body is read when it names none.

FastAPI reads a route's body (JSON, or a whole form with its files spooled to disk) before
the route's dependencies ask who is calling, so without this an anonymous client could
have any amount of data read and parsed just to be told 401. Here, before the app:

- a write to the API, EPCIS, the portal or the agency pages that carries no API key, no
  Authorization header and no signed-in session is answered as the route would answer it
  (401, the portal's 303 to its sign-in page) with none of its body read; a key or session
  that turns out to be invalid is the route's to refuse, within the family's ceiling;
- a body larger than its family's ceiling is refused with 413 when it is read: before any
  of it when its Content-Length says so, otherwise as soon as the bytes received pass the
  ceiling (chunked bodies too), whichever part of the app reads it.

The ceilings (BODY_LIMITS) sit above each route's own file limit, so a route that checks
its upload itself still answers with its own message; they stop everything else.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry.errors import TruyxuatError, Unauthorized
from registry.gpc.load import MAX_FILE_BYTES as MAX_GPC_BYTES
from registry.market_codes.import_list import MAX_IMPORT_BYTES as MAX_CODE_LIST_BYTES
from registry.prefixes.schemas import MAX_SCAN_BASE64
from registry.reports.service import MAX_PHOTO_BYTES
from registry.settings import Settings
from service.deps import SAFE_METHODS, SESSION_USER_KEY
from service.pages.agency.queues import MAX_UPLOAD_BYTES as MAX_POPULATION_BYTES
from service.pages.portal.images import MAX_IMAGE_BYTES
from service.pages.portal.imports import MAX_IMPORT_BYTES as MAX_PRODUCT_IMPORT_BYTES
from service.pages.scan import MAX_UPLOAD_BYTES as MAX_SCAN_PHOTO_BYTES
from service.pages.scan import MULTIPART_OVERHEAD_BYTES as SCAN_FORM_ROOM
from service.problems import problem_response
from service.request_body import KIB, MIB, BodyOverLimit

# Room for a form's multipart framing and text fields around its file.
FORM_ROOM: Final = 256 * KIB
# The portal's largest files: a product photo or a prefix certificate scan, a product import.
MAX_PORTAL_FILE_BYTES: Final = max(MAX_IMAGE_BYTES, MAX_PRODUCT_IMPORT_BYTES)
DEFAULT_LIMIT: Final = 256 * KIB


def body_limits(settings: Settings) -> list[tuple[re.Pattern[str], int]]:
    """(path pattern, largest body in bytes), the first matching pattern wins;
    docs/architecture.md lists them."""
    rules = [
        # Capture documents; the routes refuse above the setting with EPCIS's own 413.
        (r"/epcis(/|$)", settings.epcis_max_body_bytes + FORM_ROOM),
        # A prefix request carries the GS1 Vietnam certificate scan in base64.
        (r"/api/v1/prefix-requests$", MAX_SCAN_BASE64 + FORM_ROOM),
        (r"/api/v1/", 1 * MIB),
        (r"/agency/gpc$", MAX_GPC_BYTES + FORM_ROOM),
        (r"/agency/population$", MAX_POPULATION_BYTES + FORM_ROOM),
        (r"/agency/market-codes", MAX_CODE_LIST_BYTES + FORM_ROOM),
        (r"/agency/", 1 * MIB),
        (r"/portal/", MAX_PORTAL_FILE_BYTES + FORM_ROOM),
        # /scan reads its body itself, refusing with its own page past its own limit.
        (r"/scan$", MAX_SCAN_PHOTO_BYTES + SCAN_FORM_ROOM + FORM_ROOM),
        (r"/p/report$", MAX_PHOTO_BYTES + FORM_ROOM),
    ]
    return [(re.compile(pattern), limit) for pattern, limit in rules]


# The writes under those families that anyone may send: signing in and out, signing up.
PUBLIC_WRITES: Final = frozenset(
    {
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/enterprises/sign-up",
        "/portal/signup",
    }
)
_NEEDS_CALLER = re.compile(r"/(api/v1|epcis|portal|agency)(/|$)")
_CREDENTIAL_HEADERS = frozenset({b"authorization", b"x-api-key"})


class BodyLimits:
    """Pure ASGI, inside the session middleware (it reads whether the session is signed in)."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.rules = body_limits(settings)

    def limit_for(self, path: str) -> int:
        for pattern, limit in self.rules:
            if pattern.match(path):
                return limit
        return DEFAULT_LIMIT

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        declared: int | None = None
        credential = False
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit():
                declared = int(value)
            elif name in _CREDENTIAL_HEADERS and value.strip():
                credential = True
        if (
            scope["method"] not in SAFE_METHODS
            and not credential
            and SESSION_USER_KEY not in scope.get("session", {})
            and _NEEDS_CALLER.match(path)
            and path.rstrip("/") not in PUBLIC_WRITES
        ):
            await _refuse_anonymous(scope, receive, send)
            return
        limit = self.limit_for(path)
        received = 0

        async def counted() -> Message:
            nonlocal received
            # Refused on its first read, not before: a route that checks the declared size
            # itself, before reading (the GPC and market-code uploads), says it its own way.
            if declared is not None and declared > limit:
                raise BodyOverLimit(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyOverLimit(limit)
            return message

        await self.app(scope, counted, send)


async def _refuse_anonymous(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["path"].startswith("/portal/"):
        # The portal sends whoever is not signed in to sign in (portal_context does the same).
        target = scope["path"]
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        response = RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)
        await response(scope, receive, send)
        return
    await _answer(
        scope,
        receive,
        send,
        Unauthorized("Cần đăng nhập hoặc khóa API.", "Sign-in or an API key is required."),
    )


async def _answer(scope: Scope, receive: Receive, send: Send, error: TruyxuatError) -> None:
    response = problem_response(Request(scope, receive), error)
    await response(scope, receive, send)
