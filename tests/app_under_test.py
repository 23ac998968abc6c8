"""The app under test bound to one connection: each unit of work is a savepoint on it."""

from __future__ import annotations

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from registry.settings import Settings
from service.state import AppState


def session_on(connection: Connection) -> Session:
    return Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


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
