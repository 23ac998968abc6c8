"""A short-lived in-process cache for the resolver's hot path.

A scan needs the product, its producer, the lot, any recall, the lot's print runs,
the enterprise's links and the serial's rollup. These change rarely (a recall, a new
link), so each process keeps what it read for a few seconds: a change is seen by all
processes within `ttl` seconds, and at once by the process that made it when it
calls `invalidate`. The scan counts stay exact: see `serial_activity`.

A popular entry is read again before it expires, by one caller only: past half its
life, the first caller inside `refreshing_early()` is told "not cached" and loads it,
while every other caller keeps the cached value until the new one is in. Without this,
every request in flight when a popular entry expires would go to the database at once.
A value is never served older than `ttl`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Generic, TypeVar

Value = TypeVar("Value")
DEFAULT_TTL_SECONDS = 2.0
DEFAULT_MAX_ENTRIES = 20_000
REFRESH_AT_FRACTION = 0.5

# Who may take on early refreshes: one token per request, shared by the threads it
# starts (contextvars are copied into worker threads).
_refresher: ContextVar[object | None] = ContextVar("cache_refresher", default=None)


@contextmanager
def refreshing_early() -> Iterator[None]:
    """Inside this block, the caller may be chosen to refresh an entry before it expires."""
    token = _refresher.set(object())
    try:
        yield
    finally:
        _refresher.reset(token)


@dataclass(slots=True)
class _Entry(Generic[Value]):
    value: Value
    refresh_at: float
    expires_at: float
    refresher: object | None = None


class TTLCache(Generic[Value]):
    """Thread-safe, bounded (least recently stored goes first), entries expire."""

    def __init__(
        self, *, ttl: float = DEFAULT_TTL_SECONDS, max_entries: int = DEFAULT_MAX_ENTRIES
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, _Entry[Value]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Value | None:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.expires_at < now:
                return None
            if entry.refresh_at <= now:
                caller = _refresher.get()
                if caller is not None:
                    if entry.refresher is None:
                        entry.refresher = caller
                    if entry.refresher is caller:
                        return None
            return entry.value

    def put(self, key: Hashable, value: Value) -> Value:
        now = time.monotonic()
        entry = _Entry(value, now + self.ttl * REFRESH_AT_FRACTION, now + self.ttl)
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def get_or_load(self, key: Hashable, load: Callable[[], Value]) -> Value:
        cached = self.get(key)
        return cached if cached is not None else self.put(key, load())

    def invalidate(self, matches: Callable[[Hashable], bool]) -> None:
        with self._lock:
            for key in [k for k in self._entries if matches(k)]:
                del self._entries[key]
