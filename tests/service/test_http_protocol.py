"""Nagle's algorithm is off on the server's connections, also on a listening socket bound
the way uvicorn binds it for several workers (protocol number 0), where asyncio alone
leaves it on and every response body waits 40 ms for the client's delayed ACK."""

from __future__ import annotations

import asyncio
import socket

from uvicorn.config import Config
from uvicorn.server import ServerState

from service.http_protocol import NoDelayHTTPProtocol


async def app(scope: dict[str, object], receive: object, send: object) -> None:
    """No request is sent: only the connection's socket is looked at."""


def _nodelay_on_accepted_connection(protocol_class: type[asyncio.Protocol]) -> int:
    async def run() -> int:
        config = Config(app, http=protocol_class, lifespan="off")
        config.load()
        state = ServerState()
        listener = socket.socket(socket.AF_INET)  # as uvicorn's Config.bind_socket does
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: config.http_protocol_class(config=config, server_state=state, app_state={}),
            sock=listener,
        )
        seen: list[int] = []
        try:
            _reader, writer = await asyncio.open_connection(*listener.getsockname())
            for _ in range(100):
                if state.connections:
                    break
                await asyncio.sleep(0.01)
            (connection,) = state.connections
            sock = connection.transport.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()
        finally:
            server.close()
        return seen[0]

    return asyncio.run(run())


def test_the_servers_connections_send_without_waiting_for_acks() -> None:
    assert _nodelay_on_accepted_connection(NoDelayHTTPProtocol) == 1


def test_the_plain_protocol_on_such_a_socket_would_wait() -> None:
    """Why the protocol exists: if uvicorn or asyncio ever set it themselves, this fails
    and the class can go."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    assert _nodelay_on_accepted_connection(HttpToolsProtocol) == 0, (
        "uvicorn now turns Nagle off itself: service.http_protocol can go"
    )
