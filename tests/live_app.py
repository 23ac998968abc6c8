"""The real app served by uvicorn on a free local port, over a file-backed SQLite database,
with a small registered world: what the scanner client and the /scan page are tested against.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

import registry.models  # noqa: F401 - every table in the metadata
from registry.db import Base, make_engine, make_sessionmaker, unit_of_work
from registry.links.models import ResolverLink  # noqa: F401
from registry.migrate import prepare_database
from registry.reports.models import ConsumerReport  # noqa: F401
from registry.scans.models import Scan, SerialScanDay  # noqa: F401
from registry.settings import Settings
from service.app import create_app
from service.http_protocol import ProblemWebSocketProtocol
from tests.databases import Databases
from tests.resolver.world import build_world


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class World:
    gtin: str
    lot: str
    serials: list[str]
    forged_serial: str
    recalled_gtin: str
    recalled_lot: str
    unknown_gtin: str


@dataclass(frozen=True)
class LiveApp:
    url: str
    database_url: str
    sessions: sessionmaker[Session]
    world: World

    def link(self, gtin: str, lot: str | None = None, serial: str | None = None) -> str:
        text = f"{self.url}/01/{gtin}"
        if lot is not None:
            text += f"/10/{lot}"
        if serial is not None:
            text += f"/21/{serial}"
        return text


def _build_world(sessions: sessionmaker[Session]) -> World:
    """The resolver tests' world (one product per verdict), named by its strings."""
    with unit_of_work(sessions) as session:
        built = build_world(session)
        return World(
            gtin=built.product.gtin,
            lot=built.lot.code,
            serials=built.serials,
            forged_serial=built.never_issued_serial,
            recalled_gtin=built.recalled_product.gtin,
            recalled_lot=built.recalled_lot.code,
            unknown_gtin=built.unregistered_gtin,
        )


def serve(directory: Path, database_url: str | None = None) -> Iterator[LiveApp]:
    """Start the app in a thread; yields once it accepts connections, stops afterwards.
    Over `database_url` (migrated), or else a SQLite file in `directory` migrated here."""
    if database_url is None:
        database_url = f"sqlite:///{directory / 'live.sqlite3'}"
        prepare_database(database_url)
    engine = make_engine(database_url)
    # Tables of domains still waiting for their migration.
    Base.metadata.create_all(engine)
    sessions = make_sessionmaker(engine)
    world = _build_world(sessions)
    try:
        with served_app(
            database_url, secret_key="live-test-secret", data_dir=directory / "data"
        ) as url:
            yield LiveApp(url, database_url, sessions, world)
    finally:
        engine.dispose()


@contextmanager
def served_app(database_url: str, **settings: Any) -> Iterator[str]:
    """The real app over `database_url`, served on a free local port until the block ends;
    yields its base URL. `settings` are further Settings fields (secret_key, data_dir, ...)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    app = create_app(Settings(database_url=database_url, base_url=base_url, **settings))
    with uvicorn_thread(app, port):
        yield base_url


@contextmanager
def uvicorn_thread(app: FastAPI, port: int) -> Iterator[None]:
    """Serve `app` on 127.0.0.1:`port` in a thread until the block ends."""
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            # As `truyxuat serve` answers a refused WebSocket handshake.
            ws=ProblemWebSocketProtocol,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# The writer flushes every 0.5 s; on a loaded machine (two test workers on two cores) a
# flush can come much later. The wait ends as soon as the count is there.
SCAN_FLUSH_WAIT_SECONDS = 15


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory, databases: Databases) -> Iterator[LiveApp]:
    # A copy of the process's migrated SQLite template: migrating a new file took 0.3-0.75 s
    # of CPU for each module.
    with databases.new("sqlite") as database_url:
        yield from serve(tmp_path_factory.mktemp("live"), database_url)


def scan_count(live: LiveApp, *, serial: str, expected: int | None = None) -> int:
    """Scans stored for the serial; waits for `expected` while the app's buffer flushes."""
    deadline = time.monotonic() + SCAN_FLUSH_WAIT_SECONDS
    while True:
        with unit_of_work(live.sessions) as session:
            count = session.query(Scan).filter(Scan.serial == serial).count()
        if expected is None or count == expected or time.monotonic() > deadline:
            return count
        time.sleep(0.1)
