"""The writer process: a batch is acknowledged once committed, a failure comes back to
the recorder (which keeps the batch), signals meant for the server do not stop it, and a
writer that died is started again. Each test has a database of its own: the writer
commits for real, outside any test transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from registry.db import make_engine, make_sessionmaker
from registry.migrate import prepare_database
from registry.scans.models import Scan, SerialScanDay, SerialScanSource
from registry.scans.recorder import ScanRecord, ScanRecorder
from registry.scans.writer import ProcessWriter, ScanWriteError, SessionWriter, batch_writer
from tests.databases import Databases
from tests.faults.harness import postgres_unavailable_reason

GTIN = "08930000000017"


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, databases: Databases) -> Iterator[str]:
    """A copy of the worker's migrated template (migrating a new database took 0.7 s of
    CPU on SQLite, more on PostgreSQL)."""
    if request.param == "postgresql" and (reason := postgres_unavailable_reason()):
        pytest.skip(reason)
    with databases.new(request.param) as url:
        yield url


def _scans(*serials: str, device: str = "d" * 32) -> list[ScanRecord]:
    now = dt.datetime.now(dt.UTC)
    return [ScanRecord(now, GTIN, "L1", serial, "genuine", device, "mobile") for serial in serials]


def _stored(url: str) -> tuple[int, int]:
    """Scan rows, and the scans the per-serial rollup counts."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.scalar(select(func.count()).select_from(Scan)) or 0
            rolled = connection.scalar(select(func.sum(SerialScanDay.scan_count))) or 0
    finally:
        engine.dispose()
    return int(rows), int(rolled)


def _gone(pid: int, within: float = 10.0) -> bool:
    """Exited (a zombie not yet reaped by its parent counts: it runs no more)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def test_each_batch_is_committed_by_one_writer_process_before_it_is_acknowledged(
    fresh_url: str,
) -> None:
    writer = ProcessWriter(fresh_url)
    try:
        writer.write(_scans("A", "B", "A"))
        # Acknowledged means committed: another connection sees the rows at once.
        assert _stored(fresh_url) == (3, 3)
        pid = writer.pid
        assert pid is not None and pid != os.getpid()
        writer.write(_scans("C"))
        assert writer.pid == pid  # one process for every batch
        assert _stored(fresh_url) == (4, 4)
    finally:
        writer.close()
    assert pid is not None and _gone(pid)


def test_a_failed_batch_comes_back_to_the_recorder_which_keeps_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'not-yet-migrated.sqlite3'}"
    writer = ProcessWriter(url)
    recorder = ScanRecorder(writer)
    try:
        with pytest.raises(ScanWriteError, match="no such table"):
            writer.write(_scans("A"))
        # Without a running flush task, record() writes at once; the failure is logged
        # and the scans stay queued, in order.
        for record in _scans("A", "B"):
            recorder.record(record)
        assert recorder.pending_count() == 2
        prepare_database(url)
        assert recorder.flush() == 2
        assert recorder.pending_count() == 0
        assert _stored(url) == (2, 2)
    finally:
        writer.close()


def test_signals_for_the_server_do_not_stop_the_writer_and_a_killed_one_is_replaced(
    fresh_url: str,
) -> None:
    writer = ProcessWriter(fresh_url)
    try:
        writer.write(_scans("A"))
        pid = writer.pid
        assert pid is not None
        # A Ctrl-C to the terminal's process group, a service manager's SIGTERM to the
        # whole group: the server decides when its writer stops, after the last flush.
        # No wait needed: a writer that took either signal would handle it before reading
        # this batch (pending signals come first), and the write would then fail.
        os.kill(pid, signal.SIGINT)
        os.kill(pid, signal.SIGTERM)
        writer.write(_scans("B"))
        assert writer.pid == pid

        os.kill(pid, signal.SIGKILL)
        assert _gone(pid)
        writer.write(_scans("C"))
        assert writer.pid not in (None, pid)
    finally:
        writer.close()
    assert _stored(fresh_url) == (3, 3)


def test_the_served_app_writes_from_a_process_unless_the_database_is_in_memory(
    tmp_path: Path,
) -> None:
    file_url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    sessions = None  # not used by a process writer
    assert isinstance(batch_writer(file_url, sessions, kind="process"), ProcessWriter)  # type: ignore[arg-type]
    for url, kind in (
        ("sqlite://", "process"),
        ("sqlite:///:memory:", "process"),
        (file_url, "thread"),
    ):
        assert not isinstance(batch_writer(url, sessions, kind=kind), ProcessWriter)  # type: ignore[arg-type]


def test_the_writer_does_not_run_the_servers_main_script_again(
    tmp_path: Path, databases: Databases
) -> None:
    """A server started from a script without a `__main__` guard: a multiprocessing
    child would run the script again (a second server); the writer must not."""
    with databases.new("sqlite") as url:
        script = tmp_path / "server.py"
        script.write_text(
            "import datetime as dt\n"
            "from registry.scans.recorder import ScanRecord\n"
            "from registry.scans.writer import ProcessWriter\n"
            "print('MAIN RAN', flush=True)\n"
            f"writer = ProcessWriter({url!r})\n"
            "writer.write([ScanRecord(dt.datetime.now(dt.UTC), "
            f"{GTIN!r}, 'L1', 'A', 'genuine', 'd' * 32, 'mobile')])\n"
            "writer.close()\n"
        )
        ran = subprocess.run(
            [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.count("MAIN RAN") == 1, ran.stdout + ran.stderr
        assert _stored(url) == (1, 1)


def test_a_phone_scanning_all_day_costs_no_look_up_and_counts_once(
    fresh_url: str,
) -> None:
    engine = make_engine(fresh_url)
    lookups: list[str] = []

    def watch(_conn, _cursor, statement, _params, _context, _many):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and " scan." in statement.lower():
            lookups.append(statement)

    event.listen(engine, "before_cursor_execute", watch)
    writer = SessionWriter(make_sessionmaker(engine))

    def scans(*serials: str, device: str) -> list[ScanRecord]:
        return [
            dataclasses.replace(record, network="n" * 32, device=device)
            for record in _scans(*serials)
        ]

    try:
        writer.write(scans("A", "A", device="1" * 32))
        for _ in range(3):  # the same phone again, all day
            writer.write(scans("A", device="1" * 32))
        writer.write(scans("A", device="2" * 32))  # a second phone, same network
        assert lookups == []  # no place shared: nothing to look up
        with engine.connect() as connection:
            kinds = dict(
                connection.execute(
                    select(SerialScanSource.kind, func.count()).group_by(SerialScanSource.kind)
                ).all()
            )
        assert kinds == {"network": 1, "device": 2}
        assert _stored(fresh_url) == (6, 6)
    finally:
        event.remove(engine, "before_cursor_execute", watch)
        engine.dispose()
