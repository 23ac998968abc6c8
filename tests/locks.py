"""Seeing, on PostgreSQL, that one transaction waits for a lock another one holds."""

from __future__ import annotations

import time
from concurrent.futures import Future
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

POLL_SECONDS = 0.01
# Sessions waiting for a lock the given backend holds.
BLOCKED_BY = text(
    "SELECT count(*) FROM pg_stat_activity WHERE :holder = ANY(pg_blocking_pids(pid))"
)


def wait_until_blocked(waiter: Future[Any], *, by: Session, within: float = 30.0) -> None:
    """Until `waiter`'s transaction is blocked by a lock `by`'s transaction holds, as the
    server reports it (pg_blocking_pids); fails if `waiter` finishes first or not in time."""
    holder = by.execute(text("SELECT pg_backend_pid()")).scalar_one()
    engine = by.get_bind()
    deadline = time.monotonic() + within
    while not waiter.done() and time.monotonic() < deadline:
        # A transaction of its own each time: the activity view is read once per transaction.
        with engine.connect() as watcher:
            blocked = watcher.scalar(BLOCKED_BY, {"holder": holder})
        if blocked:
            return
        time.sleep(POLL_SECONDS)
    assert not waiter.done(), f"finished without waiting for the lock: {waiter.result()!r}"
    raise AssertionError(f"not blocked by the other transaction within {within} s")
