"""Rate limits kept in this process's memory: token buckets per network for the public
resolver, consumer page, verification API and reports; a sliding log per address for
sign-in and sign-up, and per account (a hash of the e-mail) of failed sign-ins.

A bucket holds `count` requests and refills evenly over `seconds`, so a burst up to
`count` passes at once and a steady client gets `count` per `seconds`. Checking one
is a dictionary look-up under a short lock: no database, cheap enough for every scan.

With several worker processes or nodes each keeps its own buckets, so a client gets
up to (processes × nodes) times a limit; docs/deployment.md says how the reverse
proxy holds one global limit in front of them.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request

from registry.errors import RateLimited
from registry.scans.device import network_of
from registry.settings import Settings

# Past this many clients in one set of buckets, the full (idle) ones are forgotten.
MAX_CLIENTS = 100_000


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: float


class Buckets:
    """Thread-safe: handlers call it on the event loop and from worker threads."""

    def __init__(self, rate: Rate, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.clock = clock
        self._per_second = rate.count / rate.seconds
        self._levels: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: str, *, now: float | None = None) -> float:
        """Spend one request: 0.0 if allowed, else the seconds until one is."""
        moment = self.clock() if now is None else now
        capacity = self.rate.count
        with self._lock:
            tokens, at = self._levels.get(key, (capacity, moment))
            tokens = min(capacity, tokens + (moment - at) * self._per_second)
            if tokens < 1:
                self._levels[key] = (tokens, moment)
                return (1 - tokens) / self._per_second
            self._levels[key] = (tokens - 1, moment)
            if len(self._levels) > MAX_CLIENTS:
                self._forget_full(moment)
            return 0.0

    def _forget_full(self, moment: float) -> None:
        full = [
            key
            for key, (tokens, at) in self._levels.items()
            if tokens + (moment - at) * self._per_second >= self.rate.count
        ]
        for key in full:
            del self._levels[key]

    def clear(self) -> None:
        with self._lock:
            self._levels.clear()


def client_address(request: Request) -> str:
    """The connection's address, or the forwarded client's when the connection comes
    from a trusted proxy (service.app installs the proxy-headers middleware)."""
    return request.client.host if request.client else "unknown"


def client_network(request: Request) -> str:
    return network_of(client_address(request))


class NetworkLimits:
    """The public, per-network limits: generous for a market stall of shoppers behind
    one address, tight for a machine (the numbers: registry.settings, docs/verdicts.md)."""

    def __init__(self, settings: Settings) -> None:
        self.resolver = Buckets(Rate(settings.resolver_requests_per_minute, 60))
        self.page = Buckets(Rate(settings.page_requests_per_minute, 60))
        self.verify = Buckets(Rate(settings.verify_requests_per_minute, 60))
        self.reports = Buckets(Rate(settings.reports_per_hour, 3600))

    def check(self, buckets: Buckets, network: str) -> None:
        wait = buckets.take(network)
        if wait:
            raise too_many_requests(wait)


def network_limits(request: Request) -> NetworkLimits:
    limits: NetworkLimits = request.app.state.network_limits
    return limits


def too_many_requests(wait: float) -> RateLimited:
    seconds = max(1, math.ceil(wait))
    return RateLimited(
        f"Có quá nhiều yêu cầu từ mạng của bạn. Xin đợi {seconds} giây rồi thử lại.",
        f"Too many requests from your network. Please wait {seconds} seconds and try again.",
        retry_after=seconds,
    )


# --- sign-in and sign-up: an exact count per client address and minute ----------------
# A sliding log, not a bucket: a few requests a minute, and none may come back early.

_lock = threading.Lock()
_hits: dict[tuple[str, str], deque[float]] = defaultdict(deque)
_failures: dict[str, deque[float]] = defaultdict(deque)
WINDOW_SECONDS = 60.0
# Per account, over every address and both doors (API and portal): after this many
# wrong passwords within the window, sign-in with that e-mail pauses until they age out.
SIGN_IN_FAILURES_ALLOWED = 10
SIGN_IN_FAILURE_WINDOW_SECONDS = 15 * 60.0


def limit(request: Request, bucket: str, *, per_minute: int, key: str | None = None) -> None:
    identity = (bucket, key or client_address(request))
    now = time.monotonic()
    with _lock:
        window = _hits[identity]
        while window and now - window[0] > WINDOW_SECONDS:
            window.popleft()
        if len(window) >= per_minute:
            raise RateLimited(
                "Quá nhiều yêu cầu. Xin đợi một phút rồi thử lại.",
                "Too many requests. Please wait a minute and try again.",
                retry_after=max(1, math.ceil(WINDOW_SECONDS - (now - window[0]))),
            )
        window.append(now)


def _account_key(email: str) -> str:
    return hashlib.blake2s(email.strip().lower().encode(), digest_size=8).hexdigest()


def _recent_failures(key: str, now: float) -> deque[float]:
    window = _failures[key]
    while window and now - window[0] > SIGN_IN_FAILURE_WINDOW_SECONDS:
        window.popleft()
    return window


def ensure_sign_in_allowed(email: str) -> None:
    """Refuse while the e-mail has too many recent failures. The answer is the same
    whether or not an account has that e-mail: nothing about accounts is revealed."""
    now = time.monotonic()
    with _lock:
        failures = _recent_failures(_account_key(email), now)
        if len(failures) >= SIGN_IN_FAILURES_ALLOWED:
            minutes = int(SIGN_IN_FAILURE_WINDOW_SECONDS // 60)
            raise RateLimited(
                "Đăng nhập bằng e-mail này đang tạm dừng vì đã sai mật khẩu quá nhiều lần."
                f" Xin thử lại sau {minutes} phút.",
                "Sign-in with this e-mail is paused after too many wrong passwords."
                f" Please try again in {minutes} minutes.",
                retry_after=max(1, math.ceil(SIGN_IN_FAILURE_WINDOW_SECONDS - (now - failures[0]))),
            )


def record_sign_in(email: str, *, succeeded: bool) -> None:
    key = _account_key(email)
    now = time.monotonic()
    with _lock:
        if succeeded:
            _failures.pop(key, None)
            return
        _recent_failures(key, now).append(now)
        # Guesses at made-up e-mails must not grow the table without end.
        if len(_failures) > MAX_CLIENTS:
            for stale in [k for k in _failures if not _recent_failures(k, now)]:
                del _failures[stale]


def reset() -> None:
    with _lock:
        _hits.clear()
        _failures.clear()
