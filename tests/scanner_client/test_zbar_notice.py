"""Without ZBar, `truyxuat` says so once, and only when a scan needs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

TRUYXUAT = Path(sys.executable).parent / "truyxuat"
NOTICE = "ZBar unavailable"


@pytest.fixture
def without_zbar(tmp_path: Path) -> dict[str, str]:
    """An environment whose pyzbar fails to load, as it does when libzbar0 is missing."""
    shim = tmp_path / "shim" / "pyzbar"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text('raise OSError("libzbar0 is not installed (test shim)")\n')
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("TRUYXUAT_")}
    return {**inherited, "PYTHONPATH": str(shim.parent), "TRUYXUAT_DATA_DIR": str(tmp_path)}


def _run(arguments: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TRUYXUAT), *arguments], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_commands_that_scan_nothing_say_nothing_of_zbar(
    without_zbar: dict[str, str], tmp_path: Path
) -> None:
    for arguments in (["--help"], ["gs1", "check", "08934521000008"], ["scan", "--help"]):
        done = _run(arguments, without_zbar, tmp_path)
        assert done.returncode == 0, done.stderr
        assert NOTICE not in done.stderr + done.stdout, arguments


def test_a_scan_that_needs_zbar_says_it_is_missing_once(
    without_zbar: dict[str, str], tmp_path: Path
) -> None:
    # Blank photos: every reader is tried on each, ZBar among them.
    photos = []
    for index in range(3):
        photo = tmp_path / f"blank-{index}.png"
        Image.new("RGB", (240, 160), "white").save(photo)
        photos.append(str(photo))
    done = _run(["scan", "--no-resolve", "--time-budget", "5", *photos], without_zbar, tmp_path)
    assert done.stderr.count(NOTICE) == 1, done.stderr
    assert "test shim" in done.stderr
