"""Database plumbing shared by every domain: the declarative base, engines, units of work.

Services receive a Session and call `flush()` when they need ids; the caller
(a request, a CLI command, a job) owns the transaction through `unit_of_work`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from registry import column_limits

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is required")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine configured the way the app needs it on SQLite and PostgreSQL."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, emit BEGIN so SAVEPOINTs and locking work.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


READ_ONLY = "truyxuat_read_only"


def _sqlite_on_begin(connection: Any) -> None:
    # A writing transaction takes the write lock up front (IMMEDIATE), so
    # concurrent writers wait for each other instead of failing on a lock
    # upgrade; readers stay DEFERRED so WAL lets them run alongside.
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions for writing, or (read_only) for requests that only read."""
    bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
    return sessionmaker(bind=bind, expire_on_commit=False)


AFTER_COMMIT = "truyxuat_after_commit"


def after_commit(session: Session, callback: Callable[[], object]) -> None:
    """Run `callback` once the unit of work owning `session` has committed and closed
    (for work another connection will do with what this one wrote)."""
    session.info.setdefault(AFTER_COMMIT, []).append(callback)


def finish(session: Session) -> None:
    """Commit, close, then run the after-commit callbacks; roll back on failure."""
    callbacks: list[Callable[[], object]] = session.info.pop(AFTER_COMMIT, [])
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    for callback in callbacks:
        callback()


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Commit when the block ends normally, roll back on any exception."""
    session = factory()
    try:
        yield session
    except BaseException:
        session.info.pop(AFTER_COMMIT, None)
        session.rollback()
        session.close()
        raise
    finish(session)


column_limits.install()
