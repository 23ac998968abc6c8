"""`truyxuat serve` refuses the published development secret key outside development."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from registry.settings import DEVELOPMENT_SECRET_KEY
from tests.databases import Databases, backend_of

REPO = Path(__file__).resolve().parents[2]
TRUYXUAT = Path(sys.executable).parent / "truyxuat"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("TRUYXUAT_")}
    return {**inherited, "TRUYXUAT_DATA_DIR": str(tmp_path / "var"), **settings}


def test_serve_refuses_the_development_key_outside_development(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    for settings in (
        {},
        {"TRUYXUAT_ENV": "production"},
        {"TRUYXUAT_SECRET_KEY": DEVELOPMENT_SECRET_KEY},
        {"TRUYXUAT_SECRET_KEY": ""},
    ):
        started = subprocess.run(
            [str(TRUYXUAT), "serve", "--port", str(_free_port())],
            cwd=tmp_path,
            env=_environment(tmp_path, TRUYXUAT_DATABASE_URL=database, **settings),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert started.returncode == 2, (settings, started.stdout, started.stderr)
        lines = started.stderr.strip().splitlines()
        assert len(lines) == 1, started.stderr
        assert lines[0].startswith("Lỗi: chưa đặt TRUYXUAT_SECRET_KEY")
        assert "Error: TRUYXUAT_SECRET_KEY is not set" in lines[0]
        assert "TRUYXUAT_ENV=development" in lines[0]
        assert "Trang chủ" not in started.stdout, "nothing is served"
    assert not (tmp_path / "unused.sqlite3").exists()


def test_serve_refuses_the_fast_password_hash_outside_development(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    started = subprocess.run(
        [str(TRUYXUAT), "serve", "--port", str(_free_port())],
        cwd=tmp_path,
        env=_environment(
            tmp_path,
            TRUYXUAT_DATABASE_URL=database,
            TRUYXUAT_SECRET_KEY="a-long-production-secret-key-for-this-test",
            TRUYXUAT_PASSWORD_HASH="fast",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 2, (started.stdout, started.stderr)
    lines = started.stderr.strip().splitlines()
    assert len(lines) == 1, started.stderr
    assert lines[0].startswith("Lỗi: TRUYXUAT_PASSWORD_HASH=fast")
    assert "Error: TRUYXUAT_PASSWORD_HASH=fast is for test runs" in lines[0]
    assert not (tmp_path / "unused.sqlite3").exists()


@pytest.fixture
def migrated_database_url(database_url: str, databases: Databases) -> Iterator[str]:
    """A copy of the worker's migrated template: `serve` does not migrate."""
    with databases.new(backend_of(database_url)) as url:
        yield url


def test_serve_starts_with_the_development_key_in_development(
    tmp_path: Path, migrated_database_url: str
) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [str(TRUYXUAT), "serve", "--port", str(port)],
        cwd=REPO,
        env=_environment(
            tmp_path,
            TRUYXUAT_DATABASE_URL=migrated_database_url,
            TRUYXUAT_ENV="development",
            TRUYXUAT_BASE_URL=f"http://127.0.0.1:{port}",
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        healthy = False
        while time.monotonic() < deadline and server.poll() is None and not healthy:
            try:
                healthy = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).is_success
            except httpx.TransportError:
                time.sleep(0.2)
        assert healthy, f"serve exited with {server.poll()} or never answered"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
