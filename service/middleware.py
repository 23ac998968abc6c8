"""Pure ASGI middleware on every response: request id, security headers, access log,
metrics."""

from __future__ import annotations

import logging
import random
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.observability import observe_request, route_template

access_log = logging.getLogger("truyxuat.access")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(self), geolocation=(self), microphone=()",
    "cross-origin-opener-policy": "same-origin",
}
# As sent: header names in lower case, once encoded.
_SECURITY_HEADERS_RAW = [
    (k.encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()
]
_REQUEST_ID = b"x-request-id"


class RequestMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # A correlation id, not a secret: no system call per request (unlike secrets.*).
        request_id = f"{random.getrandbits(64):016x}"
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # Raw header names arrive in lower case (ASGI); one pass over them,
                # where a header object would walk the list once per header set.
                headers = [h for h in message.get("headers", ()) if h[0] != _REQUEST_ID]
                present = {name for name, _ in headers}
                headers.extend(h for h in _SECURITY_HEADERS_RAW if h[0] not in present)
                headers.append((_REQUEST_ID, request_id.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            observe_request(scope["method"], route, status, elapsed)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %s",
                    scope["method"],
                    scope["path"],
                    status,
                    extra={
                        "fields": {
                            "request_id": request_id,
                            "method": scope["method"],
                            "path": scope["path"],
                            "route": route,
                            "status": status,
                            "duration_ms": round(elapsed * 1000, 2),
                        }
                    },
                )
