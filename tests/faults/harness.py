"""A real server in a subprocess, a prepared database, and a bounded load on the resolver.

Only 127.0.0.1 is ever contacted. Every loop has a fixed request count and a deadline.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from registry.accounts.models import Role
from registry.accounts.service import create_api_key
from registry.actor import SYSTEM
from registry.db import make_engine, make_sessionmaker, unit_of_work
from registry.enterprises.models import Enterprise
from registry.lots.models import Lot
from registry.scans.models import Scan
from tests.databases import Databases

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
DEFAULT_PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# `truyxuat serve` gives uvicorn this many seconds to finish open requests on SIGTERM.
GRACEFUL_TIMEOUT_SECONDS = 20


def postgres_server_url() -> str:
    return os.environ.get("TRUYXUAT_TEST_DATABASE_URL", DEFAULT_PG_SERVER)


def postgres_unavailable_reason() -> str | None:
    url = postgres_server_url()
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: skip, and say why
        return f"PostgreSQL at {make_url(url).render_as_string()} does not answer: {exc!s:.200}"
    return None


@dataclass(frozen=True)
class Demo:
    gtin: str
    lot: str
    lot_id: int
    api_key: str


@contextmanager
def demo_database(databases: Databases, kind: str) -> Iterator[tuple[str, Demo]]:
    """A database of the test's own on `kind` with the demo loaded (a copy of this test
    process's demo template), and an API key for the first lot's enterprise."""
    if kind == "postgresql" and (reason := postgres_unavailable_reason()):
        pytest.skip(reason)
    with databases.new(kind, "demo") as database_url:
        yield database_url, _demo_key(database_url)


def _demo_key(database_url: str) -> Demo:
    engine = make_engine(database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            lot = session.scalars(select(Lot).order_by(Lot.id).limit(1)).one()
            enterprise = session.get_one(Enterprise, lot.product.enterprise_id)
            issued = create_api_key(
                session, actor=SYSTEM, role=Role.enterprise, enterprise=enterprise, name="faults"
            )
            return Demo(lot.product.gtin, lot.code, lot.id, issued.secret)
    finally:
        engine.dispose()


def stored_scans(database_url: str, gtin: str) -> int:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            count = connection.scalar(
                select(func.count()).select_from(Scan).where(Scan.gtin == gtin)
            )
    finally:
        engine.dispose()
    return int(count or 0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """`truyxuat serve` in its own process (the command operators run)."""

    database_url: str
    data_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    # Several nodes behind one load balancer share its address and one secret key.
    base_url: str | None = None
    secret_key: str = "faults-secret-key"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, ready_within: float = 60.0) -> None:
        self.launch()
        self.wait_ready(within=ready_within)

    def launch(self) -> None:
        """Start the process; `wait_ready` waits for it to answer."""
        env = {
            **os.environ,
            "TRUYXUAT_DATABASE_URL": self.database_url,
            "TRUYXUAT_BASE_URL": self.base_url or self.url,
            "TRUYXUAT_SECRET_KEY": self.secret_key,
            "TRUYXUAT_DATA_DIR": str(self.data_dir),
        }
        # tests/conftest.py sets the test-only fast hash, which `serve` refuses: the served
        # app hashes passwords as in production.
        env.pop("TRUYXUAT_PASSWORD_HASH", None)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data_dir / f"server-{self.port}-{time.monotonic_ns()}.log"
        command = [str(VENV_BIN / "truyxuat"), "serve", "--port", str(self.port)]
        with self.log_path.open("wb") as log:
            # A group of its own: killing it also ends the render worker processes.
            self.process = subprocess.Popen(
                command,
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, *, within: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited at start-up:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"server not up within {within} s:\n{self.log()}")

    def terminate(self, *, within: float) -> tuple[int, float]:
        """SIGTERM; returns the exit code and how long the process took to go."""
        return self.wait_gone(self.send_sigterm(), within=within)

    def send_sigterm(self) -> float:
        """SIGTERM, without waiting; when it was sent."""
        assert self.process is not None
        sent_at = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        return sent_at

    def wait_gone(self, sent_at: float, *, within: float) -> tuple[int, float]:
        """The exit code, and how long after `sent_at` the process went."""
        assert self.process is not None
        try:
            code = self.process.wait(timeout=max(0.0, sent_at + within - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"server still running {within} s after SIGTERM") from None
        return code, time.monotonic() - sent_at

    def kill(self) -> None:
        """SIGKILL to the server and every process it started."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def log(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-4000:]


def start_together(servers: list[Server], *, ready_within: float) -> None:
    """Every server's process first, then the wait for each: their starts overlap."""
    for server in servers:
        server.launch()
    for server in servers:
        server.wait_ready(within=ready_within)


def terminate_together(servers: list[Server], *, within: float) -> list[tuple[int, float]]:
    """SIGTERM to every server, then the wait for each: their graceful stops overlap."""
    sent = [server.send_sigterm() for server in servers]
    return [server.wait_gone(at, within=within) for server, at in zip(servers, sent, strict=True)]


@dataclass
class LoadResult:
    sent: int = 0
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    transport_errors: int = 0
    # The same answers split by the phase the test declared when they came back.
    by_phase: dict[str, collections.Counter[int | str]] = field(default_factory=dict)

    @property
    def acknowledged(self) -> int:
        """Every 307 is a scan the resolver has taken on."""
        return self.statuses[307]

    def unexpected(self) -> dict[int, int]:
        return {status: n for status, n in self.statuses.items() if status != 307}

    def summary(self) -> str:
        return (
            f"sent={self.sent} acknowledged={self.acknowledged} "
            f"other={dict(sorted(self.unexpected().items()))} "
            f"no-answer={self.transport_errors}"
        )


class ResolverLoad:
    """`threads` clients each GET a Digital Link at most `per_thread` times, until
    `seconds` pass or `stop()`; the statuses seen are counted."""

    def __init__(
        self, url: str, *, threads: int = 4, per_thread: int = 2_000, seconds: float = 15.0
    ) -> None:
        self.url = url
        self.per_thread = per_thread
        self.seconds = seconds
        self.result = LoadResult()
        self.phase = "before"
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def start(self) -> ResolverLoad:
        for thread in self._threads:
            thread.start()
        return self

    def wait_acknowledged(self, count: int, *, within: float) -> None:
        """Until `count` scans of the current phase are acknowledged (or `within` passes:
        the test's own assertions then say what was missing)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            with self._lock:
                if self.result.by_phase.get(self.phase, {}).get(307, 0) >= count:
                    return
            time.sleep(0.05)

    def stop(self) -> LoadResult:
        self._stop.set()
        return self.join()

    def join(self) -> LoadResult:
        for thread in self._threads:
            thread.join(timeout=self.seconds + 30)
        return self.result

    def _run(self) -> None:
        deadline = time.monotonic() + self.seconds
        headers = {"user-agent": "Mozilla/5.0 (Linux; Android 14) faults-test"}
        with httpx.Client(timeout=10, headers=headers) as client:
            for _ in range(self.per_thread):
                if self._stop.is_set() or time.monotonic() > deadline:
                    return
                with self._lock:
                    self.result.sent += 1
                try:
                    status = client.get(self.url).status_code
                except httpx.TransportError as exc:
                    with self._lock:
                        self.result.transport_errors += 1
                        self._count_in_phase(type(exc).__name__)
                    # The server is going away (or restarting its listener): do not spin.
                    time.sleep(0.2)
                    continue
                with self._lock:
                    self.result.statuses[status] += 1
                    self._count_in_phase(status)

    def _count_in_phase(self, outcome: int | str) -> None:
        self.result.by_phase.setdefault(self.phase, collections.Counter())[outcome] += 1


def lift_network_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """For servers started after this: every client of a fault test is 127.0.0.1, one
    network, and these tests are about what is stored, not about the per-network limits."""
    for setting in ("RESOLVER_REQUESTS_PER_MINUTE", "PAGE_REQUESTS_PER_MINUTE"):
        monkeypatch.setenv(f"TRUYXUAT_{setting}", "100000000")
