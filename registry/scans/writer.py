"""Where the scan recorder's batches are written: in the calling thread, or by a writer
process of its own.

Under load the resolver is bound by one CPU's worth of Python; writing a batch (building
rows, the driver's work, the rollups) in a thread of the serving process takes the GIL
from the requests for as long as it runs (measured: about 15% of it at 2,000 scans/s,
and event-loop stalls of up to 130 ms during a long flush). A writer process does that
work on another core; the serving process only pickles the batch and waits, without the
GIL, for the acknowledgement. A batch is acknowledged once committed, so the recorder's
rules (requeue on failure, generations of written scans) stay as they are.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from registry.db import is_sqlite, make_engine, make_sessionmaker, unit_of_work
from registry.scans.recorder import BatchWriter, ScanRecord, write_batch

log = logging.getLogger("truyxuat.scans")

# How long closing waits for the writer to finish its last batch before it is killed.
CLOSE_TIMEOUT_SECONDS = 30.0


class ScanWriteError(RuntimeError):
    """A batch was not written; the recorder keeps it for the next try."""


class SessionWriter:
    """Writes in the calling thread with the given sessions (tests that share one
    connection, in-memory databases, `TRUYXUAT_SCAN_WRITER=thread`)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def write(self, batch: Sequence[ScanRecord]) -> None:
        with unit_of_work(self._sessions) as session:
            write_batch(session, batch)

    def close(self) -> None:
        pass


class ProcessWriter:
    """Writes from a child process with its own engine, started on the first batch and
    again after it died. One batch at a time; `write` returns once it is committed.

    The child is `python -m registry.scans.writer_process`, not a multiprocessing child:
    spawning one re-runs the server's main script in it, which may start a server. The
    database URL goes over the socket, not the command line, where `ps` would show it.
    """

    def __init__(self, database_url: str) -> None:
        self._database_url = database_url
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._connection: Connection | None = None

    def write(self, batch: Sequence[ScanRecord]) -> None:
        with self._lock:
            connection = self._running()
            try:
                connection.send(list(batch))
                failure = connection.recv()
            except (EOFError, OSError) as error:
                self._stop(kill=True)
                raise ScanWriteError("the scan writer process stopped") from error
        if failure is not None:
            raise ScanWriteError(failure)

    def close(self) -> None:
        with self._lock:
            self._stop(kill=False)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _running(self) -> Connection:
        if self._process is not None and self._connection is not None:
            if self._process.poll() is None:
                return self._connection
            self._stop(kill=True)
        ours, theirs = socket.socketpair()
        # Wherever this process found the package, the child finds it too.
        package_root = str(Path(__file__).resolve().parents[2])
        paths = [package_root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "registry.scans.writer_process", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
            )
        finally:
            theirs.close()
        connection = Connection(ours.detach())
        self._process, self._connection = process, connection
        connection.send(self._database_url)
        return connection

    def _stop(self, *, kill: bool) -> None:
        process, connection = self._process, self._connection
        self._process = self._connection = None
        if connection is not None:
            # The writer leaves when its end of the socket closes, after the batch in hand.
            connection.close()
        if process is None:
            return
        if not kill:
            try:
                process.wait(CLOSE_TIMEOUT_SECONDS)
                return
            except subprocess.TimeoutExpired:
                log.error("scan writer process %s did not stop; killing it", process.pid)
        process.kill()
        process.wait()


def serve_writes(connection: Connection) -> None:
    """The writer process: the database URL, then batches in, one transaction each,
    None or an error out."""
    # The serving process decides when to stop: a Ctrl-C to the terminal's process group
    # or a service manager's SIGTERM to the whole group must not lose the final flush.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        database_url = connection.recv()
    except EOFError:
        return
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    writer = SessionWriter(make_sessionmaker(engine))
    try:
        while True:
            try:
                batch = connection.recv()
            except EOFError:
                return
            try:
                writer.write(batch)
            except Exception as error:  # reported to the recorder, which keeps the batch
                connection.send(f"{type(error).__name__}: {error}"[:2000])
            else:
                connection.send(None)
    finally:
        engine.dispose()


def batch_writer(
    database_url: str, sessions: sessionmaker[Session], *, kind: str = "process"
) -> BatchWriter:
    """The writer for a served app: a process, unless the database lives in this
    process's memory or the operator chose the thread."""
    database = make_url(database_url).database
    in_memory = is_sqlite(database_url) and database in (None, "", ":memory:")
    if kind == "process" and not in_memory:
        return ProcessWriter(database_url)
    return SessionWriter(sessions)
