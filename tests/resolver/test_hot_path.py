"""The resolver's per-process memory: early refresh by one caller, nothing served past
its TTL, and the scan buffer's recent-scan memory forgotten in order."""

from __future__ import annotations

import contextvars
import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from registry.db import make_engine, make_sessionmaker
from registry.migrate import prepare_database
from registry.resolution.cache import TTLCache, refreshing_early
from registry.scans import recorder as recorder_module
from registry.scans.recorder import ScanRecord, ScanRecorder

TTL = 0.6


def _in_request(work: Callable[[], object]) -> object:
    """Run `work` as one resolver request does: its own context, may refresh early."""

    def request() -> object:
        with refreshing_early():
            return work()

    return contextvars.Context().run(request)


def test_one_request_refreshes_early_while_the_others_keep_the_value() -> None:
    cache: TTLCache[str] = TTLCache(ttl=TTL)
    cache.put("gtin", "old")
    assert _in_request(lambda: cache.get("gtin")) == "old"  # young: no refresh
    time.sleep(TTL * 0.6)
    # Past half its life: the first request is told to load, the others are not.
    with refreshing_early():
        assert cache.get("gtin") is None
        assert cache.get("gtin") is None  # the same request asks again: still its turn
        assert _in_request(lambda: cache.get("gtin")) == "old"
        assert cache.get("gtin") is None
        cache.put("gtin", "new")
    assert _in_request(lambda: cache.get("gtin")) == "new"
    assert cache.get("gtin") == "new"  # outside any request: plain TTL


def test_nothing_is_served_past_its_ttl_even_while_a_refresh_is_due() -> None:
    cache: TTLCache[str] = TTLCache(ttl=TTL)
    cache.put("gtin", "old")
    time.sleep(TTL * 0.6)
    assert _in_request(lambda: cache.get("gtin")) is None  # took the refresh, never loaded
    assert _in_request(lambda: cache.get("gtin")) == "old"
    time.sleep(TTL * 0.5)
    assert cache.get("gtin") is None
    assert _in_request(lambda: cache.get("gtin")) is None
    loads: list[int] = []
    assert cache.get_or_load("gtin", lambda: str(loads.append(1) or "fresh")) == "fresh"
    assert loads == [1]


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
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'recent.sqlite3'}"
    prepare_database(url)
    engine = make_engine(url)
    recorder = ScanRecorder(make_sessionmaker(engine))
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
