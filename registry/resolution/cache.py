"""A short-lived in-process cache for the resolver's hot path.

A scan needs the product, its producer, the lot, any recall, the lot's print runs,
the enterprise's links and the serial's rollup. These change rarely (a recall, a new
link), so each process keeps what it read for a few seconds: a change is seen by all
processes within `ttl` seconds, and at once by the process that made it when it
calls `invalidate`. The scan counts stay exact: see `serial_activity`.

An entry past about half its life is still served, and read again by a background
`Refresher`, once: requests keep answering from memory while it reads, instead of
every request in flight going to the database when a popular entry expires. Refresh
times are spread a little, so entries loaded together are not all read again together.
A value is never served older than `ttl`; without a refresher, it is loaded by the
first caller after that.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

Value = TypeVar("Value")
Loader = Callable[[Session], Value]

DEFAULT_TTL_SECONDS = 2.0
DEFAULT_MAX_ENTRIES = 20_000
REFRESH_AT_FRACTION = 0.5
REFRESH_JITTER_FRACTION = 0.1
MAX_QUEUED_REFRESHES = 10_000

log = logging.getLogger("truyxuat.resolution")


class Refresher:
    """One daemon thread reading entries again with its own read sessions. One thread
    is enough (a refresh is a few indexed reads) and keeps it off the request threads'
    connection pool and GIL share."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._jobs: queue.Queue[Callable[[Session], None] | None] = queue.Queue(
            MAX_QUEUED_REFRESHES
        )
        self._thread = threading.Thread(target=self._run, name="cache-refresher", daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[Session], None]) -> bool:
        """Queue a refresh; False when the queue is full (the entry then just expires)."""
        try:
            self._jobs.put_nowait(job)
        except queue.Full:
            return False
        return True

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            session = self._sessions()
            try:
                job(session)
                session.commit()
            except Exception:
                # Detach first: a rollback would expire rows the caches may share.
                session.expunge_all()
                session.rollback()
                log.exception("cache refresh failed; the entry will expire and be read again")
            finally:
                session.close()


@dataclass(slots=True)
class _Entry(Generic[Value]):
    value: Value
    refresh_at: float
    expires_at: float
    refreshing: bool = False


class TTLCache(Generic[Value]):
    """Thread-safe, bounded (least recently stored goes first), entries expire."""

    def __init__(
        self,
        *,
        ttl: float = DEFAULT_TTL_SECONDS,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        refresher: Refresher | None = None,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.refresher = refresher
        self._entries: OrderedDict[Hashable, _Entry[Value]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Loader[Value] | None = None) -> Value | None:
        """The live value, or None. Past its refresh time, `load` is queued once on
        the refresher and the current value is served meanwhile."""
        now = time.monotonic()
        refresher = self.refresher
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.expires_at < now:
                return None
            refresh = (
                load is not None
                and refresher is not None
                and entry.refresh_at <= now
                and not entry.refreshing
            )
            entry.refreshing = entry.refreshing or refresh
            value = entry.value
        if refresh and refresher is not None and load is not None:
            stale, reload = entry, load
            if not refresher.submit(lambda session: self._reload(key, stale, reload, session)):
                entry.refreshing = False
        return value

    def put(self, key: Hashable, value: Value) -> Value:
        with self._lock:
            self._store(key, value)
        return value

    def get_or_load(self, key: Hashable, session: Session, load: Loader[Value]) -> Value:
        cached = self.get(key, load)
        return cached if cached is not None else self.put(key, load(session))

    def invalidate(self, matches: Callable[[Hashable], bool]) -> None:
        with self._lock:
            for key in [k for k in self._entries if matches(k)]:
                del self._entries[key]

    def _reload(
        self, key: Hashable, stale: _Entry[Value], load: Loader[Value], session: Session
    ) -> None:
        try:
            value = load(session)
        finally:
            stale.refreshing = False
        with self._lock:
            # An invalidation or a newer load since the refresh was queued wins.
            if self._entries.get(key) is stale:
                self._store(key, value)

    def _store(self, key: Hashable, value: Value) -> None:
        """Under the lock."""
        now = time.monotonic()
        jitter = random.uniform(-REFRESH_JITTER_FRACTION, REFRESH_JITTER_FRACTION)
        self._entries[key] = _Entry(
            value, now + self.ttl * (REFRESH_AT_FRACTION + jitter), now + self.ttl
        )
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
