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
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn, TypeVar, cast

import anyio.to_thread
from anyio import CapacityLimiter
from sqlalchemy.orm import Session
from starlette.requests import Request

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


async def cached_or_database(request: Request, work: Callable[[Session], Result]) -> Result:
    try:
        return work(NO_DATABASE)
    except NeedsDatabase:
        return await anyio.to_thread.run_sync(
            _in_session, request, work, limiter=database_threads(request)
        )


def database_threads(request: Request) -> CapacityLimiter:
    limiter: CapacityLimiter | None = getattr(request.app.state, "resolver_threads", None)
    if limiter is None:
        limiter = CapacityLimiter(DATABASE_THREADS)
        request.app.state.resolver_threads = limiter
    return limiter
