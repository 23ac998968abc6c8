"""New databases for the tests, copied from templates instead of built one by one.

Migrating a database and loading the demo take seconds each; copying the result takes a
fraction of one. Each test process keeps, per backend, a migrated template and a template
with the demo loaded, made when first asked for: PostgreSQL copies them with
`CREATE DATABASE … TEMPLATE` (nothing may be connected to a template, so none is used
otherwise), SQLite through its backup API (a plain file copy could miss the WAL).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Literal

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from registry.db import make_engine, make_sessionmaker, unit_of_work
from registry.migrate import prepare_database

Contents = Literal["empty", "migrated", "demo"]


def backend_of(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


class Databases:
    """Databases of this test process: on SQLite files in `folder`, on PostgreSQL databases
    of `postgres_server`; `drop_all` removes every one still there."""

    def __init__(self, folder: Path, postgres_server: str) -> None:
        self._folder = folder
        self._server = make_url(postgres_server)
        self._templates: dict[tuple[str, Contents], str] = {}
        self._made: list[str] = []

    @contextmanager
    def new(self, backend: str, contents: Contents = "migrated") -> Iterator[str]:
        """A database of its own for the block, empty, migrated, or with the demo loaded."""
        template = None if contents == "empty" else self._template(backend, contents)
        url = self._create(backend, "truyxuat_test", template)
        try:
            yield url
        finally:
            self._drop(url)

    def drop_all(self) -> None:
        for url in reversed(self._made):
            self._drop(url)
        self._templates.clear()

    def _template(self, backend: str, contents: Contents) -> str:
        key = (backend, contents)
        if key not in self._templates:
            if contents == "migrated":
                url = self._create(backend, "truyxuat_template", None)
                prepare_database(url)
            else:
                url = self._create(backend, "truyxuat_demo", self._template(backend, "migrated"))
                _load_demo(url)
            self._templates[key] = url
        return self._templates[key]

    def _create(self, backend: str, prefix: str, template: str | None) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        if backend == "sqlite":
            url = f"sqlite:///{self._folder / f'{name}.sqlite3'}"
            if template is not None:
                with (
                    closing(sqlite3.connect(_sqlite_path(template))) as source,
                    closing(sqlite3.connect(_sqlite_path(url))) as copy,
                ):
                    source.backup(copy)
        else:
            like = f' TEMPLATE "{make_url(template).database}"' if template else ""
            with self._admin() as admin:
                admin.execute(text(f'CREATE DATABASE "{name}"{like}'))
            url = self._server.set(database=name).render_as_string(hide_password=False)
        self._made.append(url)
        return url

    def _drop(self, url: str) -> None:
        if url not in self._made:
            return
        self._made.remove(url)
        if backend_of(url) == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(_sqlite_path(url) + suffix).unlink(missing_ok=True)
            return
        # A fresh connection each time: a long run may have outlived any pooled one.
        with self._admin() as admin:
            admin.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))

    @contextmanager
    def _admin(self) -> Iterator[Connection]:
        engine = create_engine(self._server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with engine.connect() as connection:
                yield connection
        finally:
            engine.dispose()


def _sqlite_path(url: str) -> str:
    path = make_url(url).database
    assert path, url
    return path


def _load_demo(url: str) -> None:
    from service.demo import load_demo

    engine = make_engine(url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            load_demo(session)
    finally:
        engine.dispose()
