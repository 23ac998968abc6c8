"""Backups: SQLite through its online backup API, PostgreSQL through pg_dump/pg_restore."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, MetaData, select
from sqlalchemy.engine import URL, make_url


class BackupError(RuntimeError):
    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en


def _pg_env(url: URL) -> dict[str, str]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return env


def _pg_args(url: URL) -> list[str]:
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432)]
    if url.username:
        args += ["-U", url.username]
    return args


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"Không tìm thấy chương trình {name} (gói postgresql-client).",
            f"{name} was not found (install postgresql-client).",
        )
    return path


def backup(database_url: str, target: Path) -> Path:
    url = make_url(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database or "")
        destination = sqlite3.connect(target)
        try:
            # The online backup copies a consistent snapshot while the app keeps writing.
            source.backup(destination)
        finally:
            destination.close()
            source.close()
        return target
    command = [
        _tool("pg_dump"),
        *_pg_args(url),
        "--format=custom",
        "--no-owner",
        f"--file={target}",
        url.database or "",
    ]
    result = subprocess.run(command, env=_pg_env(url), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(
            f"pg_dump thất bại: {result.stderr.strip()}", f"pg_dump failed: {result.stderr.strip()}"
        )
    return target


def restore(database_url: str, source: Path) -> None:
    """Replace the database's contents with a backup made by `backup`."""
    if not source.exists():
        raise BackupError(f"Không có tệp sao lưu {source}.", f"No backup file at {source}.")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        try:
            backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            backup_db.execute("PRAGMA schema_version").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(
                "Tệp sao lưu không phải cơ sở dữ liệu SQLite.",
                "The backup file is not an SQLite database.",
            ) from exc
        live = sqlite3.connect(url.database or "")
        try:
            backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
        return
    command = [
        _tool("pg_restore"),
        *_pg_args(url),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        f"--dbname={url.database}",
        str(source),
    ]
    result = subprocess.run(command, env=_pg_env(url), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(
            f"pg_restore thất bại: {result.stderr.strip()}",
            f"pg_restore failed: {result.stderr.strip()}",
        )


def fingerprints(engine: Engine) -> dict[str, tuple[int, str]]:
    """Row count and a SHA-256 over every row (in key order) of every table."""
    metadata = MetaData()
    metadata.reflect(engine)
    result: dict[str, tuple[int, str]] = {}
    with engine.connect() as connection:
        for name, table in sorted(metadata.tables.items()):
            order = list(table.primary_key.columns) or list(table.columns)
            digest = hashlib.sha256()
            count = 0
            for row in connection.execute(select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
                count += 1
            result[name] = (count, digest.hexdigest())
    return result
