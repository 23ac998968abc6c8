"""The real app served by uvicorn on a free local port, over a file-backed SQLite database,
with a small registered world: what the scanner client and the /scan page are tested against.
"""

from __future__ import annotations

import datetime as dt
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
from registry.actor import SYSTEM
from registry.db import Base, make_engine, make_sessionmaker, unit_of_work
from registry.gs1 import gs1_check_digit
from registry.links.models import ResolverLink  # noqa: F401
from registry.migrate import prepare_database
from registry.print_runs.models import RunStatus
from registry.print_runs.service import create_run, run_serials
from registry.products.models import Product
from registry.recalls.models import Recall
from registry.reports.models import ConsumerReport  # noqa: F401
from registry.scans.models import Scan, SerialScanDay  # noqa: F401
from registry.settings import Settings
from service.app import create_app
from tests.factories import make_enterprise, make_lot, make_product


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


def _free_gtin(session: Session) -> str:
    for item in range(100000, 999999):
        body = f"0893999{item:06d}"
        gtin = body + gs1_check_digit(body)
        if session.query(Product.id).filter(Product.gtin == gtin).first() is None:
            return gtin
    raise AssertionError("no free GTIN")


def _build_world(sessions: sessionmaker[Session]) -> World:
    with unit_of_work(sessions) as session:
        enterprise = make_enterprise(session, legal_name="Hợp tác xã Xoài Cát Hòa Lộc")
        product = make_product(session, enterprise=enterprise, name_vi="Xoài cát Hòa Lộc")
        lot = make_lot(session, product=product, code="XOAI2026A")
        run = create_run(session, actor=SYSTEM, lot=lot, count=3, serialized=True, layout="a4-3x7")
        serials = run_serials(run) or []
        # The labels are "printed" here (as QR images); the app need not render a PDF.
        run.status = RunStatus.done
        recalled_product = make_product(session, enterprise=enterprise, name_vi="Mắm cá linh")
        recalled_lot = make_lot(session, product=recalled_product, code="MAM01")
        session.add(
            Recall(
                product_id=recalled_product.id,
                lot_id=recalled_lot.id,
                reason_vi="Vượt ngưỡng histamin",
                reason_en="Histamine above the limit",
                notice_vi="Ngừng sử dụng lô MAM01.",
                notice_en="Stop using lot MAM01.",
                created_by="test",
                started_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
            )
        )
        session.flush()
        # Same shape as an issued serial, one character changed: its MAC cannot match.
        first = serials[0]
        forged = first[:-1] + ("A" if first[-1] != "A" else "B")
        return World(
            gtin=product.gtin,
            lot=lot.code,
            serials=serials,
            forged_serial=forged,
            recalled_gtin=recalled_product.gtin,
            recalled_lot=recalled_lot.code,
            unknown_gtin=_free_gtin(session),
        )


def serve(directory: Path) -> Iterator[LiveApp]:
    """Start the app in a thread; yields once it accepts connections, stops afterwards."""
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
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
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


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    yield from serve(tmp_path_factory.mktemp("live"))


def scan_count(live: LiveApp, *, serial: str, expected: int | None = None) -> int:
    """Scans stored for the serial; waits a little for `expected` (the app may buffer)."""
    deadline = time.monotonic() + 3
    while True:
        with unit_of_work(live.sessions) as session:
            count = session.query(Scan).filter(Scan.serial == serial).count()
        if expected is None or count == expected or time.monotonic() > deadline:
            return count
        time.sleep(0.1)
