"""Real databases for the test run: an SQLite file and, when it answers, PostgreSQL.

Every test that asks for `db_session`, `client` or `engine` runs once per database.
Each test runs inside a transaction that is rolled back at its end; the app under
test is the real app with its session dependency bound to that transaction.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from registry.db import make_engine
from registry.settings import Settings
from tests.app_under_test import app_on, app_state_on, session_on
from tests.collected import COLLECTED
from tests.databases import Databases, backend_of
from tests.outside_reads import LAST_TEST, OUTSIDE_READS, OutsideReads
from tests.testdata import REPOSITORY

DEFAULT_PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

# Production-cost argon2 makes each sign-in take most of a second; tests sign in a lot.
os.environ.setdefault("TRUYXUAT_PASSWORD_HASH", "fast")


# New objects between two collections of the youngest generation (Python's default: 700). A test
# process keeps apps whose routes hold some 100,000 objects (tests.app_under_test) and the
# run's garbage promoted past the young generations makes the collector walk them all every
# ~200 tests; collecting the young less often promotes, and so walks, less.
YOUNG_OBJECTS_PER_COLLECTION = 10_000


def pytest_configure(config: pytest.Config) -> None:
    _, *older = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS_PER_COLLECTION, *older)
    guard = OutsideReads.for_this_process(REPOSITORY)
    guard.install()
    config.stash[OUTSIDE_READS] = guard


@pytest.hookimpl(trylast=True)  # after any other reordering
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked slow run first (in their order, so a module's tests stay together): pytest-xdist
    hands each worker a contiguous share and idle workers steal from a share's end, so a 30-second
    test left near the end would keep one worker busy while the other has nothing to steal."""
    last = [item for item in items if item.name == LAST_TEST]
    rest = [item for item in items if item.name != LAST_TEST]
    slow = [item for item in rest if item.get_closest_marker("slow") is not None]
    quick = [item for item in rest if item.get_closest_marker("slow") is None]
    items[:] = slow + quick + last


def pytest_itemcollected(item: pytest.Item) -> None:
    """Every test this process collects, before -k, -m or --deselect leave any out: what
    tests/test_conformance_table.py counts, without collecting the suite a second time."""
    item.config.stash.setdefault(COLLECTED, []).append(item.nodeid)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Fail any run, even one that left out LAST_TEST, that read outside the repository."""
    found = session.config.stash[OUTSIDE_READS].found
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:  # a pytest-xdist worker: the controller judges the run
        worker_output["outside_reads"] = found
    if found and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist: what a worker process read outside the repository counts for the run."""
    reads = getattr(node, "workeroutput", {}).get("outside_reads", {})
    node.config.stash[OUTSIDE_READS].found.update(reads)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    guard = config.stash[OUTSIDE_READS]
    if guard.found:
        terminalreporter.section("read outside the repository (put the data in tests/data)")
        terminalreporter.write_line(guard.report())


def _postgres_server_url() -> str:
    return os.environ.get("TRUYXUAT_TEST_DATABASE_URL", DEFAULT_PG_SERVER)


def _postgres_unavailable_reason() -> str | None:
    url = _postgres_server_url()
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: skip, and say why
        return f"PostgreSQL at {make_url(url).render_as_string()} does not answer: {exc!s:.200}"
    return None


_PG_REASON = _postgres_unavailable_reason()
if _PG_REASON and os.environ.get("TRUYXUAT_REQUIRE_POSTGRES"):
    raise RuntimeError(f"TRUYXUAT_REQUIRE_POSTGRES is set but {_PG_REASON}")


def pytest_report_header(config: pytest.Config) -> str:
    if _PG_REASON:
        return f"truyxuat: PostgreSQL tests SKIPPED — {_PG_REASON}"
    return f"truyxuat: PostgreSQL tests enabled ({make_url(_postgres_server_url()).host})"


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    found = Databases(tmp_path_factory.mktemp("databases"), _postgres_server_url())
    yield found
    found.drop_all()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, databases: Databases) -> Iterator[str]:
    if request.param == "postgresql" and _PG_REASON:
        pytest.skip(_PG_REASON)
    with databases.new(request.param) as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=database_url,
        base_url="https://truyxuat.dongthap.gov.vn",
        secret_key="test-secret-key",
        # Label files and photos of this process's databases, never the checkout's var/
        # (run ids of two processes' databases are the same numbers).
        data_dir=tmp_path_factory.mktemp("data"),
    )


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        if transaction.is_active:
            transaction.rollback()


@pytest.fixture
def db_session(connection: Connection) -> Iterator[Session]:
    session = session_on(connection)
    yield session
    session.close()


@pytest.fixture
def app_state(settings: Settings, connection: Connection, engine: Engine):  # type: ignore[no-untyped-def]
    return app_state_on(settings, connection, engine)


@pytest.fixture
def app(settings: Settings, app_state):  # type: ignore[no-untyped-def]
    return app_on(settings, app_state)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url="https://truyxuat.dongthap.gov.vn") as client:
        yield client


@pytest.fixture
def empty_database_url(database_url: str, databases: Databases) -> Iterator[str]:
    """A brand-new empty database on the same backend, for migration and CLI tests."""
    with databases.new(backend_of(database_url), "empty") as url:
        yield url


@pytest.fixture
def migrated_database_url(database_url: str, databases: Databases) -> Iterator[str]:
    """A database of the test's own on the same backend, as `truyxuat db upgrade` leaves it
    (a copy of the process's migrated template: no migration run per test)."""
    with databases.new(backend_of(database_url), "migrated") as url:
        yield url


@pytest.fixture
def demo_database_url(database_url: str, databases: Databases) -> Iterator[str]:
    """A database of the test's own on the same backend, migrated and with the demo loaded."""
    with databases.new(backend_of(database_url), "demo") as url:
        yield url


@pytest.fixture(scope="module")
def committed_database_url(database_url: str, databases: Databases) -> Iterator[str]:
    """A migrated database of its own for the module's tests whose writes really commit
    (real sessions, a real server): nothing they store reaches the shared test database."""
    with databases.new(backend_of(database_url)) as url:
        yield url


def _command_on(database_url: str, data: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from registry.settings import get_settings

    monkeypatch.setenv("TRUYXUAT_DATABASE_URL", database_url)
    monkeypatch.setenv("TRUYXUAT_DATA_DIR", str(data))
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


@pytest.fixture
def cli_env(
    empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Point the `truyxuat` command at an empty database and a data folder of the test."""
    yield from _command_on(empty_database_url, tmp_path / "data", monkeypatch)


@pytest.fixture
def migrated_cli_env(
    migrated_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Point the `truyxuat` command at a migrated database, for commands that need one but
    are not about migrating (`db upgrade` itself is tried on empty and demo databases)."""
    yield from _command_on(migrated_database_url, tmp_path / "data", monkeypatch)


@pytest.fixture
def demo_cli_env(
    demo_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Point the `truyxuat` command at a database with the demo loaded."""
    yield from _command_on(demo_database_url, tmp_path / "data", monkeypatch)
