"""A small in-process sliding-window rate limiter for login and public forms.

Keyed by a hash of the client address, which is never stored. With several
worker processes each keeps its own window; that is acceptable for its purpose
(slowing guessing), and the reverse proxy can add a global limit.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import defaultdict, deque

from starlette.requests import Request

from registry.errors import RateLimited

_lock = threading.Lock()
_hits: dict[tuple[str, str], deque[float]] = defaultdict(deque)
WINDOW_SECONDS = 60.0


def client_key(request: Request) -> str:
    host = request.client.host if request.client else "unknown"
    return hashlib.blake2s(host.encode(), digest_size=8).hexdigest()


def limit(request: Request, bucket: str, *, per_minute: int, key: str | None = None) -> None:
    identity = (bucket, key or client_key(request))
    now = time.monotonic()
    with _lock:
        window = _hits[identity]
        while window and now - window[0] > WINDOW_SECONDS:
            window.popleft()
        if len(window) >= per_minute:
            raise RateLimited(
                "Quá nhiều yêu cầu. Xin đợi một phút rồi thử lại.",
                "Too many requests. Please wait a minute and try again.",
            )
        window.append(now)


def reset() -> None:
    with _lock:
        _hits.clear()
