"""A PostgreSQL cluster of the test's own, for tests that kill the database server.

`initdb` into a temporary folder, a free port on 127.0.0.1, started with `pg_ctl`; the
test kills and restarts it at will, and it is stopped and removed at the end, also when
the test fails. The machine's own PostgreSQL service is never touched.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.faults.harness import free_port

BINARIES_GLOB = "/usr/lib/postgresql/*/bin"
# initdb refuses to run as root: as root, the cluster belongs to this user.
UNPRIVILEGED_USER = "postgres"


def _version_key(bin_dir: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", bin_dir.parent.name))


def server_binaries() -> Path | None:
    """The newest installed server's bin folder (it has initdb and pg_ctl)."""
    found = [
        path
        for path in map(Path, glob.glob(BINARIES_GLOB))
        if (path / "initdb").is_file() and (path / "pg_ctl").is_file()
    ]
    return max(found, key=_version_key, default=None)


def unavailable_reason() -> str | None:
    if server_binaries() is None:
        return f"no PostgreSQL server binaries (initdb, pg_ctl) under {BINARIES_GLOB}"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(UNPRIVILEGED_USER)
        except KeyError:
            return f"running as root and there is no '{UNPRIVILEGED_USER}' user to own a cluster"
    return None


@dataclass
class ThrowawayCluster:
    bin_dir: Path
    root: Path
    port: int

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin_dir / program), *args]
        answer = subprocess.run(
            command, cwd=self.root, capture_output=True, timeout=timeout, **_as_owner()
        )
        if answer.returncode != 0:
            raise AssertionError(
                f"{' '.join(command)} failed ({answer.returncode}):\n"
                f"{answer.stdout.decode(errors='replace')}{answer.stderr.decode(errors='replace')}"
                f"\n{self.log()}"
            )

    def initdb(self) -> None:
        self._run(
            "initdb", "-D", str(self.data_dir), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--no-instructions", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        # fsync off: the tests kill the server, never the machine, so what a commit wrote
        # is in the page cache either way; and crash recovery skips syncing every file.
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_path), "-o", options,
            "-w", "-t", "60", "start",
        )  # fmt: skip

    def kill(self) -> None:
        """Immediate shutdown: every backend is ended at once, as in a crash; the next
        start runs crash recovery."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        answer = subprocess.run(
            [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "status"],
            capture_output=True,
            timeout=10,
            **_as_owner(),
        )
        return answer.returncode == 0

    def copy_database(self, source_url: str, database: str) -> str:
        """A new database `database` on this cluster holding what the database at
        `source_url` (on another server) holds: pg_dump piped into psql. Its URL."""
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{database}"'))
        admin.dispose()
        url = self.url(database)
        dump = subprocess.Popen(
            [str(self.bin_dir / "pg_dump"), "--no-owner", "--no-privileges", _libpq(source_url)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert dump.stdout is not None
        restore = subprocess.run(
            [str(self.bin_dir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", _libpq(url)],
            stdin=dump.stdout,
            capture_output=True,
            timeout=120,
        )
        dump.stdout.close()
        dumped = dump.wait(timeout=60)
        assert dump.stderr is not None
        problems = dump.stderr.read().decode(errors="replace") + restore.stderr.decode(
            errors="replace"
        )
        assert dumped == 0 and restore.returncode == 0, f"copy of {source_url} failed:\n{problems}"
        return url

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-3000:]
        return ""


def _libpq(url: str) -> str:
    """A SQLAlchemy URL as the PostgreSQL programs take it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _as_owner() -> dict[str, Any]:
    if os.geteuid() != 0:
        return {}
    owner = pwd.getpwnam(UNPRIVILEGED_USER)
    return {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}


@contextmanager
def throwaway_cluster() -> Iterator[ThrowawayCluster]:
    """A started cluster, trust authentication for `postgres` on 127.0.0.1 only."""
    bin_dir = server_binaries()
    assert bin_dir is not None, unavailable_reason()
    # Not under pytest's tmp_path: its folders are private to root, and the cluster's
    # owner must reach its own folder.
    root = Path(tempfile.mkdtemp(prefix="truyxuat-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam(UNPRIVILEGED_USER)
        os.chown(root, owner.pw_uid, owner.pw_gid)
    cluster = ThrowawayCluster(bin_dir, root, free_port())
    try:
        cluster.initdb()
        cluster.start()
        yield cluster
    finally:
        try:
            if cluster.running():
                cluster.kill()
        finally:
            shutil.rmtree(root, ignore_errors=True)
