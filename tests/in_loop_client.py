"""A synchronous test client that runs the app on an event loop of the calling thread.

Starlette's TestClient runs the app on a portal thread and hands each step of a request
over to it and back (about eight hand-offs a request); this client enters its own loop
once a request, through httpx's ASGI transport. Measured on a bare ASGI app: ~0.7 ms of
CPU a request with TestClient, ~0.25 ms with this client. It sends what TestClient sends
of the caller (its client address and user agent), follows redirects unless told not to,
and raises what the app raises. It runs no lifespan.
"""

from __future__ import annotations

import asyncio

import httpx
from starlette.types import ASGIApp

# What starlette.testclient.TestClient gives the app as the caller.
TESTCLIENT_ADDRESS = ("testclient", 50000)
TESTCLIENT_AGENT = "testclient"


class _InLoopTransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp) -> None:
        self._runner = asyncio.Runner()
        self._asgi = httpx.ASGITransport(app=app, client=TESTCLIENT_ADDRESS)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # its stream becomes bytes, which the ASGI transport also reads
        return self._runner.run(self._answer(request))

    async def _answer(self, request: httpx.Request) -> httpx.Response:
        answer = await self._asgi.handle_async_request(request)
        # As sent: the client decodes it as it would a body from the network.
        raw = b"".join([part async for part in answer.aiter_raw()])
        return httpx.Response(
            answer.status_code, headers=answer.headers, stream=httpx.ByteStream(raw)
        )

    def close(self) -> None:
        self._runner.close()


class InLoopClient(httpx.Client):
    def __init__(self, app: ASGIApp, *, base_url: str) -> None:
        super().__init__(
            transport=_InLoopTransport(app),
            base_url=base_url,
            headers={"user-agent": TESTCLIENT_AGENT},
            follow_redirects=True,
        )
        self.app = app
