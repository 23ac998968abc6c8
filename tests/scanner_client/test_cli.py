"""`truyxuat scan` on folders of real photos, offline and against the live registry."""

from __future__ import annotations

import csv
import functools
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import qrcode
from click.testing import CliRunner

import scanner_client.cli
from registry.settings import Settings
from scanner_client.cli import LOCAL_REGISTRY, scan
from scanner_client.client import ResolverClient, RetryPolicy
from tests.live_app import LiveApp, free_port, live_app
from tests.testdata import data_path

__all__ = ["live_app"]

SCANS = data_path("scans")
MANIFEST = {
    image["file"]: image for image in json.loads((SCANS / "manifest.json").read_text())["images"]
}
# Clean and phone-grade photos, two of them with two codes each: all must be found.
PICKED = [
    "scan001.png",
    "scan002.jpg",
    "scan003.png",
    "scan013.jpg",
    "scan022.jpg",
    "scan039.png",
    "scan043.png",
]


@pytest.fixture
def photo_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    (folder / "kho-2").mkdir(parents=True)
    for index, name in enumerate(PICKED):
        target = folder if index % 2 else folder / "kho-2"
        shutil.copy(SCANS / name, target / name)
    (folder / "kho-2" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (folder / "notes.txt").write_text("not an image, not looked at")
    return folder


def _json_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_folder_offline_json(photo_folder: Path) -> None:
    result = CliRunner().invoke(scan, [str(photo_folder), "--no-resolve", "--json"])
    assert result.exit_code == 0, result.output
    images = {Path(item["file"]).name: item for item in _json_lines(result.stdout)}
    assert set(images) == {*PICKED, "broken.png"}
    assert images["broken.png"]["codes"] == []
    assert images["broken.png"]["error"]["vi"] and images["broken.png"]["error"]["en"]
    for name in PICKED:
        found = {(c["symbology"], c["text"], c["gs1"]) for c in images[name]["codes"]}
        expected = {(c["symbology"], c["text"], c["gs1"]) for c in MANIFEST[name]["codes"]}
        assert found == expected, name
        for code in images[name]["codes"]:
            assert code["interpretation"]["valid"]
            assert code["verdict"]["verdict"] == "not_checked"
    flagged = images["scan001.png"]["codes"][0]["interpretation"]
    assert flagged["untrusted_domain"] and flagged["domain"] == "id.example.vn"


def test_csv_report_has_one_row_per_code(photo_folder: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    result = CliRunner().invoke(scan, [str(photo_folder), "--no-resolve", "--csv", str(report)])
    assert result.exit_code == 0, result.output
    assert "Chưa kiểm tra / Not checked" in result.stdout
    rows = list(csv.DictReader(report.open(encoding="utf-8-sig")))
    codes = [row for row in rows if row["symbology"]]
    assert len(codes) == sum(len(MANIFEST[name]["codes"]) for name in PICKED)
    (broken,) = [row for row in rows if Path(row["file"]).name == "broken.png"]
    assert broken["message_en"]
    gtins = {row["gtin"] for row in codes}
    assert "08931798082652" in gtins  # the EAN-13 of scan043.png as a GTIN-14


def _label(path: Path, text: str) -> Path:
    qrcode.make(text, box_size=6, border=4).save(path)
    return path


def test_against_the_registry_a_fake_label_fails_the_run(live_app: LiveApp, tmp_path: Path) -> None:
    world = live_app.world
    folder = tmp_path / "labels"
    folder.mkdir()
    _label(folder / "a-genuine.png", live_app.link(world.gtin, world.lot, world.serials[0]))
    _label(folder / "b-fake.png", live_app.link(world.gtin, world.lot, world.forged_serial))
    _label(folder / "c-recalled.png", live_app.link(world.recalled_gtin, world.recalled_lot))
    _label(folder / "d-phishing.png", "https://dongthap-gov.example/nhan-qua")
    result = CliRunner().invoke(scan, [str(folder), "--server", live_app.url, "--json"])
    assert result.exit_code == 1, result.output
    verdicts = {
        Path(item["file"]).name: item["codes"][0]["verdict"]["verdict"]
        for item in _json_lines(result.stdout)
    }
    assert verdicts == {
        "a-genuine.png": "genuine",
        "b-fake.png": "serial_never_issued",
        "c-recalled.png": "recalled",
        "d-phishing.png": "phishing",
    }


def test_against_the_registry_genuine_labels_pass(live_app: LiveApp, tmp_path: Path) -> None:
    world = live_app.world
    photo = _label(tmp_path / "genuine.png", live_app.link(world.gtin, world.lot, world.serials[1]))
    result = CliRunner().invoke(scan, [str(photo), "--server", live_app.url])
    assert result.exit_code == 0, result.output
    # The registry's own wording (docs/verdicts.md), not a table of the client's.
    assert "Tem chính hãng, sản phẩm đã đăng ký / Genuine label, registered product" in (
        result.stdout
    )


def test_a_code_registered_elsewhere_does_not_fail_the_run(
    live_app: LiveApp, tmp_path: Path
) -> None:
    """A valid 893 GTIN this registry does not hold is neutral: not a sign of a fake."""
    photo = _label(tmp_path / "unknown.png", live_app.link(live_app.world.unknown_gtin))
    result = CliRunner().invoke(scan, [str(photo), "--server", live_app.url])
    assert result.exit_code == 0, result.output
    assert "Not registered in this registry" in result.stdout
    assert "does not mean" not in result.stdout  # advice is printed for grey, not the why
    assert "Read the package" in result.stdout


@pytest.fixture
def retry_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits between the command's attempts, recorded instead of slept (1.75 s for
    each unreachable server)."""
    waits: list[float] = []
    client = functools.partial(ResolverClient, sleep=waits.append)
    monkeypatch.setattr(scanner_client.cli, "ResolverClient", client)
    return waits


# Every attempt the command makes at a server that does not answer, waits in between.
UNREACHABLE_WAITS = [RetryPolicy().delay(retry) for retry in range(1, RetryPolicy().attempts)]


def test_unreachable_server_is_reported_not_hidden(
    tmp_path: Path, retry_waits: list[float]
) -> None:
    photo = _label(tmp_path / "label.png", "https://truyxuat.dongthap.gov.vn/01/08931798082652")
    server = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(
        scan, [str(photo), "--server", server, "--trust", "truyxuat.dongthap.gov.vn"]
    )
    assert result.exit_code == 3, result.output
    assert "Server unreachable" in result.stdout
    assert retry_waits == UNREACHABLE_WAITS


def test_the_server_defaults_to_the_registrys_base_url(
    live_app: LiveApp, tmp_path: Path, retry_waits: list[float]
) -> None:
    world = live_app.world
    photo = _label(tmp_path / "genuine.png", live_app.link(world.gtin, world.lot, world.serials[2]))
    result = CliRunner().invoke(scan, [str(photo)], env={"TRUYXUAT_BASE_URL": live_app.url})
    assert result.exit_code == 0, result.output
    assert "Genuine label, registered product" in result.stdout
    # TRUYXUAT_RESOLVER_URL, the scanner's own setting, comes first.
    elsewhere = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(
        scan,
        [str(photo)],
        env={"TRUYXUAT_BASE_URL": live_app.url, "TRUYXUAT_RESOLVER_URL": elsewhere},
    )
    assert result.exit_code == 3, result.output
    assert "Server unreachable" in result.stdout
    assert retry_waits == UNREACHABLE_WAITS


def test_without_the_server_setting_the_local_registry_is_asked() -> None:
    assert Settings.model_fields["base_url"].default == LOCAL_REGISTRY
