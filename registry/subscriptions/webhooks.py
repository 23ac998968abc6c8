"""Webhook deliveries: a POST of the batch, signed, to the checked address of `dest`.

Runs in the delivery worker's thread (registry.subscriptions.worker), never on the
server's event loop. Redirects are not followed (each hop would need the same check),
proxies from the environment are not used, the answer is read only up to a small size.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass
from typing import Final

from registry.subscriptions.delivery import SIGNATURE_HEADER, Batch, signature
from registry.subscriptions.destinations import (
    IPNetwork,
    SubscriptionControlsError,
    check_destination,
)

TIMEOUT_SECONDS: Final = 10.0
ANSWER_BYTES: Final = 64 * 1024
# Answers worth another try: the receiver is busy or failing, not refusing this batch.
_RETRY_STATUSES: Final = frozenset({408, 425, 429})


@dataclass(frozen=True)
class Sent:
    error: str | None
    permanent: bool = False


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address checked beforehand, the certificate checked for the host name."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        context = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def send(batch: Batch, *, allowed: list[IPNetwork], timeout: float = TIMEOUT_SECONDS) -> Sent:
    assert batch.dest is not None and batch.body is not None
    try:
        destination = check_destination(batch.dest, allowed=allowed)
    except SubscriptionControlsError as exc:
        # Its name now leads somewhere internal, or nowhere: try again later.
        return Sent(exc.message_en)
    default_port = 443 if destination.scheme == "https" else 80
    host = destination.host if ":" not in destination.host else f"[{destination.host}]"
    headers = {
        "Host": host if destination.port == default_port else f"{host}:{destination.port}",
        "Content-Type": "application/json",
        "User-Agent": "truyxuat-epcis-subscriptions",
        "GS1-EPCIS-Version": "2.0.0",
        # The same on every retry of a batch: a receiver that took it but whose answer
        # was lost (a timeout) can tell the retry from news.
        "Idempotency-Key": f"{batch.subscription_id}/{batch.cursor_from}-{batch.cursor_to}",
    }
    if batch.signature_token:
        headers[SIGNATURE_HEADER] = signature(batch.signature_token, batch.body)
    connection: http.client.HTTPConnection
    if destination.scheme == "https":
        connection = _PinnedHTTPSConnection(
            destination.host, destination.port, address=destination.address, timeout=timeout
        )
    else:
        connection = http.client.HTTPConnection(
            destination.address, destination.port, timeout=timeout
        )
    try:
        connection.request("POST", destination.target, body=batch.body, headers=headers)
        answer = connection.getresponse()
        answer.read(ANSWER_BYTES)
    except (OSError, http.client.HTTPException) as exc:
        return Sent(f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()
    if 200 <= answer.status < 300:
        return Sent(None)
    error = f"HTTP {answer.status} {answer.reason}"
    permanent = 400 <= answer.status < 500 and answer.status not in _RETRY_STATUSES
    return Sent(error, permanent=permanent)
