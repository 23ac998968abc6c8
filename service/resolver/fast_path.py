"""Answer from the in-process caches on the event loop; go to the database only on a miss.

A resolver request first runs with a stand-in session that refuses every use. When
all it needs is cached, it never leaves the event loop; otherwise it runs again on
a worker thread with a real read session. The work must therefore have no side
effect before its last database read (the scan is recorded at the very end).

Popular entries are read again in the background before they expire
(registry.resolution.cache), so requests for them stay on the event loop. At most
`DATABASE_THREADS` resolver requests use the database at once; the rest wait on the
event loop: more threads would only fight over the GIL and overflow the
connection pool (SQLite's holds five), which is where the long tail came from.

When entries that every scan of a lot needs have expired (the lot was not scanned for
a while), all requests in flight for it miss together. Only the first goes to the
database; the others wait for it and try the caches again (`same_item`), so a burst of
64 costs one read, not 64 (measured: the first seconds' p99 after a quiet spell).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import NoReturn, TypeVar, cast

import anyio.to_thread
from anyio import CapacityLimiter, Event
from sqlalchemy.orm import Session
from starlette.requests import Request

from registry.gs1 import DigitalLink
from service.state import AppState

Result = TypeVar("Result")
DATABASE_THREADS = 4


class NeedsDatabase(Exception):
    """The cached data did not suffice."""


class _NoDatabase:
    def __getattr__(self, name: str) -> NoReturn:
        raise NeedsDatabase(name)


NO_DATABASE = cast(Session, _NoDatabase())


def _in_session(request: Request, work: Callable[[Session], Result]) -> Result:
    state: AppState = request.app.state.truyxuat
    session = state.read_sessions()
    try:
        result = work(session)
        session.commit()
        return result
    except BaseException:
        # Detach first: a rollback would expire the rows the caches now share.
        session.expunge_all()
        session.rollback()
        raise
    finally:
        session.close()


async def cached_or_database(
    request: Request, work: Callable[[Session], Result], *, same_item: Hashable = None
) -> Result:
    """`work` from the caches on the event loop, or in a database thread. Requests
    with the same `same_item` (see `item_of`) share one database run when they miss
    together."""
    try:
        return work(NO_DATABASE)
    except NeedsDatabase:
        pass
    if same_item is None:
        return await _in_database_thread(request, work)
    flights = _flights(request)
    running = flights.get(same_item)
    if running is not None:
        await running.wait()
        try:
            return work(NO_DATABASE)
        except NeedsDatabase:
            # What this request needs beyond the shared entries (its serial's rollup).
            return await _in_database_thread(request, work)
    flights[same_item] = done = Event()
    try:
        return await _in_database_thread(request, work)
    finally:
        del flights[same_item]
        done.set()


def item_of(link: DigitalLink) -> Hashable:
    """What the scans of a product or lot share: the key and its first qualifier."""
    return (link.primary, link.qualifiers[:1])


async def _in_database_thread(request: Request, work: Callable[[Session], Result]) -> Result:
    return await anyio.to_thread.run_sync(
        _in_session, request, work, limiter=database_threads(request)
    )


def _flights(request: Request) -> dict[Hashable, Event]:
    flights: dict[Hashable, Event] | None = getattr(request.app.state, "resolver_flights", None)
    if flights is None:
        flights = request.app.state.resolver_flights = {}
    return flights


def database_threads(request: Request) -> CapacityLimiter:
    limiter: CapacityLimiter | None = getattr(request.app.state, "resolver_threads", None)
    if limiter is None:
        limiter = CapacityLimiter(DATABASE_THREADS)
        request.app.state.resolver_threads = limiter
    return limiter
