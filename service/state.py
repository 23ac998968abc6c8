"""Process-wide resources the app holds: engine and session factories."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from registry.db import make_engine, make_sessionmaker
from registry.settings import Settings


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    write_sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]

    @classmethod
    def from_settings(cls, settings: Settings) -> AppState:
        engine = make_engine(settings.database_url)
        return cls(
            settings=settings,
            engine=engine,
            write_sessions=make_sessionmaker(engine),
            read_sessions=make_sessionmaker(engine, read_only=True),
        )
