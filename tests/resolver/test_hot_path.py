"""The resolver's per-process memory: stale entries served while one background read
refreshes them, nothing served past its TTL, and the scan buffer's recent-scan memory
forgotten in order."""

from __future__ import annotations

import datetime as dt
import threading
import time
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from registry.db import make_engine, make_sessionmaker
from registry.resolution import cache as cache_module
from registry.resolution.cache import Refresher, TTLCache
from registry.scans import recorder as recorder_module
from registry.scans.recorder import ScanRecord, ScanRecorder
from registry.scans.writer import SessionWriter
from tests.databases import Databases

TTL = 1.5


class Clock:
    """The caches' clock, moved by the test: a busy machine cannot make a check race it,
    and no test sleeps through a TTL."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    found = Clock()
    monkeypatch.setattr(cache_module, "time", types.SimpleNamespace(monotonic=found.monotonic))
    return found


@pytest.fixture
def read_sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'cache.sqlite3'}")
    yield make_sessionmaker(engine, read_only=True)
    engine.dispose()


def _wait_for(condition: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.01)


def test_a_stale_entry_is_served_while_one_background_read_refreshes_it(
    read_sessions: sessionmaker[Session], clock: Clock
) -> None:
    refresher = Refresher(read_sessions)
    cache: TTLCache[str] = TTLCache(ttl=TTL, refresher=refresher)
    release = threading.Event()
    loads: list[str] = []

    def load(session: Session) -> str:
        loads.append(threading.current_thread().name)
        assert session.scalar(text("SELECT 1")) == 1  # a real session of its own
        release.wait(5)
        return "new"

    cache.put("gtin", "old")
    assert cache.get("gtin", load) == "old"  # young: nothing to do
    clock.advance(TTL * 0.7)
    # Past its refresh time: every caller still gets the value; one read is queued.
    assert [cache.get("gtin", load) for _ in range(5)] == ["old"] * 5
    _wait_for(lambda: loads)
    assert cache.get("gtin", load) == "old"
    release.set()
    _wait_for(lambda: cache.get("gtin") == "new")
    assert cache.get("gtin") == "new"
    assert loads == ["cache-refresher"]
    refresher.close()


def test_nothing_is_served_past_its_ttl_and_an_invalidation_beats_a_refresh(
    read_sessions: sessionmaker[Session], clock: Clock
) -> None:
    refresher = Refresher(read_sessions)
    cache: TTLCache[str] = TTLCache(ttl=TTL, refresher=refresher)
    release = threading.Event()
    started = threading.Event()

    def slow_load(session: Session) -> str:
        started.set()
        release.wait(5)
        return "stale read"

    cache.put("gtin", "old")
    clock.advance(TTL * 0.7)
    assert cache.get("gtin", slow_load) == "old"
    assert started.wait(5)
    cache.invalidate(lambda key: key == "gtin")  # e.g. a recall in this process
    release.set()
    refresher.close()
    assert cache.get("gtin") is None  # the read that began before the change is dropped

    cache.put("gtin", "old")
    clock.advance(TTL * 1.1)
    assert cache.get("gtin") is None
    loads: list[int] = []
    with read_sessions() as session:
        value = cache.get_or_load("gtin", session, lambda s: str(loads.append(1) or "fresh"))
    assert (value, loads) == ("fresh", [1])


def test_a_failed_refresh_leaves_the_entry_to_expire_and_the_refresher_running(
    read_sessions: sessionmaker[Session], clock: Clock
) -> None:
    refresher = Refresher(read_sessions)
    cache: TTLCache[str] = TTLCache(ttl=TTL, refresher=refresher)
    attempts: list[int] = []

    def broken(session: Session) -> str:
        attempts.append(1)
        session.execute(text("SELECT * FROM no_such_table"))
        return "never"

    cache.put("gtin", "old")
    clock.advance(TTL * 0.7)
    assert cache.get("gtin", broken) == "old"
    _wait_for(lambda: attempts)
    assert cache.get("gtin") == "old"
    clock.advance(TTL * 0.5)
    assert cache.get("gtin") is None
    # The thread survived the failure: the next refresh goes through.
    cache.put("other", "old")
    clock.advance(TTL * 0.7)
    assert cache.get("other", lambda session: "new") == "old"
    _wait_for(lambda: cache.get("other") == "new")
    assert cache.get("other") == "new"
    refresher.close()


def _serial_scan(serial: str) -> ScanRecord:
    return ScanRecord(
        scanned_at=dt.datetime.now(dt.UTC),
        gtin="08930000000017",
        lot="L1",
        serial=serial,
        verdict="genuine",
        device_hash="d" * 32,
        agent_class="mobile",
    )


def test_written_scans_are_forgotten_oldest_first_pending_ones_never(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    with databases.new("sqlite") as url:
        _forget_written_scans(url, monkeypatch)


def _forget_written_scans(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(url)
    recorder = ScanRecorder(SessionWriter(make_sessionmaker(engine)))
    recorder._loop = object()  # type: ignore[assignment]  # as if running: record only buffers

    def counted(serial: str) -> int:
        return recorder.pending_activity(gtin="08930000000017", lot="L1", serial=serial).scan_count

    for serial in ("S1", "S2", "S1"):
        recorder.record(_serial_scan(serial))
    assert (counted("S1"), counted("S2")) == (2, 1)
    assert recorder.flush() == 3
    # Written but recent: still counted against rollup reads older than the flush.
    assert (counted("S1"), counted("S2")) == (2, 1)
    recorder.record(_serial_scan("S2"))
    monkeypatch.setattr(recorder_module, "RECENT_SECONDS", 0.0)
    assert recorder.flush() == 1
    assert (counted("S1"), counted("S2")) == (0, 0)
    recorder.record(_serial_scan("S1"))
    assert recorder.flush() == 1  # forgets the old ones, keeps nothing it must count
    recorder.record(_serial_scan("S1"))
    assert counted("S1") == 1  # pending: always counted
    recorder._loop = None
    engine.dispose()
