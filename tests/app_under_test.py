"""The app under test bound to one connection: each unit of work is a savepoint on it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import State

from registry.scans.counting import DailyCap
from registry.settings import Settings
from service.ratelimit import NetworkLimits
from service.state import AppState

# The apps made so far in this process, by their settings. This FastAPI builds a route's
# parameter models the first time a request walks past it, once per app: about 0.4 s of
# CPU on a new app's first page, more than the rest of a typical test. A test gets the
# app of its settings, already walked, with the state of a new one (app_on).
_MOST_APPS = 8


@dataclass
class _Made:
    app: FastAPI
    names: frozenset[str]  # of what create_app put on app.state
    test: str  # the last test given the app


_APPS: dict[str, _Made] = {}


def session_on(connection: Connection) -> Session:
    return Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


def savepoint_on(connection: Connection) -> Iterator[Connection]:
    """`connection` inside a savepoint that the block's end rolls back: a test's
    connection on a module's connection whose world was built once for its tests."""
    savepoint = connection.begin_nested()
    yield connection
    if savepoint.is_active:
        savepoint.rollback()


def app_state_on(settings: Settings, connection: Connection, engine: Engine) -> AppState:
    factory = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    return AppState(
        settings=settings,
        engine=engine,
        write_sessions=factory,
        read_sessions=factory,
        inline_jobs=True,
    )


def app_on(settings: Settings, state: AppState) -> FastAPI:
    """The real app (service.app.create_app) for `settings`, holding `state` and, as a new
    app does, its own rate limits and scan counts and nothing a test before left on it.

    Everything else create_app builds (routes, middleware, error handlers) depends on
    the settings alone, and no request changes it; so one app per settings serves every
    test of the process. The lifespan with a given state starts only the event-loop lag
    watch, whichever state it was made with (create_app)."""
    from service.app import create_app

    key = settings.model_dump_json()
    test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]
    known = _APPS.get(key)
    if known is not None and known.test == test:
        if known.app.state.truyxuat is state:
            return known.app
        # A second app of the same settings in one test: the first keeps its state.
        return create_app(settings, state=state)
    if known is None:
        app = create_app(settings, state=state)
        if len(_APPS) >= _MOST_APPS:
            _APPS.pop(next(iter(_APPS)))
        _APPS[key] = _Made(app, frozenset(app.state._state), test)
        return app
    _APPS[key] = _APPS.pop(key)  # the most recently used is evicted last
    known.test = test
    app = known.app
    # What create_app puts on app.state; the check below fails if it ever puts more.
    app.state = State(
        {
            "truyxuat": state,
            "network_limits": NetworkLimits(settings),
            "counted_scans": DailyCap(settings.counted_scans_per_network_day),
        }
    )
    assert frozenset(app.state._state) == known.names, "create_app's app.state changed"
    app.dependency_overrides.clear()
    return app
