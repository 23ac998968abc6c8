"""Scans that could not reach the resolver, kept in a small SQLite file until they can.

One row per code: scanning the same label again while offline counts it, not repeats it.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

QUEUE_FILE_NAME = "offline-scans.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS queued_scan (
    uri TEXT PRIMARY KEY,
    first_scanned_at TEXT NOT NULL,
    last_scanned_at TEXT NOT NULL,
    times_seen INTEGER NOT NULL DEFAULT 1
)
"""


def user_data_dir() -> Path:
    """Where this user's application data goes (XDG on Linux, AppData on Windows)."""
    if sys.platform == "win32":
        root = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        root = Path.home() / "Library" / "Application Support"
    else:
        root = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return root / "truyxuat"


@dataclass(frozen=True)
class QueuedScan:
    uri: str
    first_scanned_at: dt.datetime
    last_scanned_at: dt.datetime
    times_seen: int


class OfflineQueue:
    """A deduplicated queue of Digital Link URIs waiting to be reported as scans."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else user_data_dir() / QUEUE_FILE_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as connection:
            connection.execute(_SCHEMA)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        # One short connection per call: several processes (CLI runs) may share the file.
        with closing(sqlite3.connect(self.path, timeout=10)) as connection, connection:
            yield connection

    def add(self, uri: str, *, scanned_at: dt.datetime | None = None) -> bool:
        """Queue a scan; True when the code was not queued yet."""
        at = (scanned_at or dt.datetime.now(dt.UTC)).isoformat()
        with self._connection() as connection:
            inserted = connection.execute(
                "INSERT OR IGNORE INTO queued_scan (uri, first_scanned_at, last_scanned_at) "
                "VALUES (?, ?, ?)",
                (uri, at, at),
            ).rowcount
            if not inserted:
                connection.execute(
                    "UPDATE queued_scan SET times_seen = times_seen + 1, last_scanned_at = ? "
                    "WHERE uri = ?",
                    (at, uri),
                )
        return bool(inserted)

    def pending(self) -> list[QueuedScan]:
        """Queued scans, oldest first."""
        with self._connection() as connection:
            rows = connection.execute(
                "SELECT uri, first_scanned_at, last_scanned_at, times_seen FROM queued_scan "
                "ORDER BY first_scanned_at, uri"
            ).fetchall()
        return [
            QueuedScan(uri, dt.datetime.fromisoformat(first), dt.datetime.fromisoformat(last), n)
            for uri, first, last, n in rows
        ]

    def remove(self, uri: str) -> None:
        with self._connection() as connection:
            connection.execute("DELETE FROM queued_scan WHERE uri = ?", (uri,))

    def __len__(self) -> int:
        with self._connection() as connection:
            (count,) = connection.execute("SELECT count(*) FROM queued_scan").fetchone()
        return int(count)
