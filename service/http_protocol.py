"""The protocols uvicorn serves the app with: HTTP with TCP_NODELAY on every connection,
and WebSocket whose refused handshakes are problem JSON.

With `--workers N` uvicorn binds the listening socket itself as `socket.socket(family)`,
whose protocol number is 0, and asyncio only turns Nagle's algorithm off for sockets
that say IPPROTO_TCP. A response is written as headers, then body: with Nagle on, the
body waits for the client's delayed ACK, 40 ms on Linux. Measured (bench_resolver,
`--workers 2`): the bare endpoint and the consumer page answered in 44 ms at p50 and
1,450 req/s; a redirect, which has no body, did not wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.requests import Request
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.datastructures import Headers
from websockets.http11 import Request as WebSocketRequest
from websockets.http11 import Response as WebSocketResponse
from websockets.server import ServerProtocol

from registry.errors import TruyxuatError
from service.problems import problem_response

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Protocol
except ImportError:  # httptools is optional (the "fast" extra)
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Protocol  # type: ignore[assignment]


class NoDelayHTTPProtocol(_Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)  # type: ignore[arg-type]


class _RefusedHandshake(TruyxuatError):
    slug = "websocket-handshake"
    title = "WebSocket handshake refused"


class _ProblemServerConnection(ServerProtocol):
    """websockets' handshake, its refusals handed to `answer` for their body."""

    answer: Callable[[WebSocketRequest, WebSocketResponse], WebSocketResponse]

    def accept(self, request: WebSocketRequest) -> WebSocketResponse:
        response = super().accept(request)
        return response if response.status_code == 101 else self.answer(request, response)


class ProblemWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol, whose refused handshakes (no Sec-WebSocket-Key, a wrong
    Sec-WebSocket-Version...) are answered like every other refusal of the app: problem
    JSON, with the EPCIS exception name on /epcis/*, instead of websockets' plain text.
    RFC 6455 §4.2.1 wants the 400; the body is ours to choose. The app never sees such a
    request (websockets refuses it before the ASGI scope exists), so it is written here
    through the app's own problem_response."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        connection = self.conn
        connection.__class__ = _ProblemServerConnection
        cast(_ProblemServerConnection, connection).answer = self._problem

    def _problem(self, request: WebSocketRequest, refused: WebSocketResponse) -> WebSocketResponse:
        app = self.app
        while not isinstance(app, Starlette) and hasattr(app, "app"):
            app = app.app  # uvicorn's own middleware around the app
        raw_path, _, query = request.path.partition("?")
        scope = {
            "type": "http",
            "app": app,
            "method": "GET",
            "scheme": "http",
            "path": unquote(raw_path),
            "raw_path": raw_path.encode("latin-1"),
            "query_string": query.encode("latin-1"),
            "root_path": "",
            "headers": [
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in request.headers.raw_items()
            ],
            "server": self.server,
            "client": self.client,
        }
        reason = refused.body.decode("utf-8", "replace").strip()
        error = _RefusedHandshake(
            "Không mở được kết nối WebSocket: yêu cầu bắt tay không hợp lệ"
            " (cần Connection: Upgrade, Upgrade: websocket, Sec-WebSocket-Key và"
            f" Sec-WebSocket-Version: 13). Chi tiết: {reason}",
            reason,
        )
        error.status = refused.status_code
        answer = problem_response(Request(scope), error)
        headers = Headers(
            (name, value)
            for name, value in refused.headers.raw_items()
            if name.lower() not in ("content-type", "content-length")
        )
        for name, value in answer.headers.items():
            if name.lower() != "content-length":
                headers[name] = value
        body = bytes(answer.body)
        headers["Content-Length"] = str(len(body))
        return WebSocketResponse(refused.status_code, refused.reason_phrase, headers, body)
