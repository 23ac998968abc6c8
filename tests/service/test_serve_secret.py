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
import uvicorn
from click.testing import CliRunner, Result

from registry.settings import DEVELOPMENT_SECRET_KEY, get_settings
from service.cli import main
from tests.databases import Databases, backend_of

REPO = Path(__file__).resolve().parents[2]
TRUYXUAT = Path(sys.executable).parent / "truyxuat"
NO_SECRET_KEY = "Lỗi: chưa đặt TRUYXUAT_SECRET_KEY"
SAYS_WHY = ("Error: TRUYXUAT_SECRET_KEY is not set", "TRUYXUAT_ENV=development")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("TRUYXUAT_")}
    return {**inherited, "TRUYXUAT_DATA_DIR": str(tmp_path / "var"), **settings}


def _serve_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **settings: str) -> Result:
    """`truyxuat serve` run by its click command in this process, in the environment
    `_environment` gives a process of its own (the command reads its settings from it as
    the console script does); a server it started would fail the test instead of serving."""

    def serving(*args: object, **kwargs: object) -> None:
        raise AssertionError("serve went on to start the server")

    environment = _environment(tmp_path, **settings)
    for name in os.environ.keys() - environment.keys():
        monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(uvicorn, "run", serving)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(
            main, ["serve", "--port", str(_free_port())], catch_exceptions=False
        )
    finally:
        get_settings.cache_clear()


def _assert_refused(
    code: int, stdout: str, stderr: str, *, starts: str, says: tuple[str, ...]
) -> None:
    assert code == 2, (code, stdout, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(starts)
    for words in says:
        assert words in lines[0]
    assert "Trang chủ" not in stdout, "nothing is served"


def test_serve_refuses_the_development_key_outside_development(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    # The command an operator runs, in a process of its own, with no secret key set.
    started = subprocess.run(
        [str(TRUYXUAT), "serve", "--port", str(_free_port())],
        cwd=tmp_path,
        env=_environment(tmp_path, TRUYXUAT_DATABASE_URL=database),
        capture_output=True,
        text=True,
        timeout=60,
    )
    _assert_refused(
        started.returncode, started.stdout, started.stderr, starts=NO_SECRET_KEY, says=SAYS_WHY
    )
    # The other ways of leaving it unsafe, in this process: each fresh `truyxuat` costs
    # about 0.7 s of CPU in imports.
    for unsafe in (
        {"TRUYXUAT_ENV": "production"},
        {"TRUYXUAT_SECRET_KEY": DEVELOPMENT_SECRET_KEY},
        {"TRUYXUAT_SECRET_KEY": ""},
    ):
        done = _serve_in_process(tmp_path, monkeypatch, TRUYXUAT_DATABASE_URL=database, **unsafe)
        _assert_refused(
            done.exit_code, done.stdout, done.stderr, starts=NO_SECRET_KEY, says=SAYS_WHY
        )
    assert not (tmp_path / "unused.sqlite3").exists()


def test_serve_refuses_the_fast_password_hash_outside_development(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    done = _serve_in_process(
        tmp_path,
        monkeypatch,
        TRUYXUAT_DATABASE_URL=database,
        TRUYXUAT_SECRET_KEY="a-long-production-secret-key-for-this-test",
        TRUYXUAT_PASSWORD_HASH="fast",
    )
    _assert_refused(
        done.exit_code,
        done.stdout,
        done.stderr,
        starts="Lỗi: TRUYXUAT_PASSWORD_HASH=fast",
        says=("Error: TRUYXUAT_PASSWORD_HASH=fast is for test runs",),
    )
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
