"""SIGTERM to `truyxuat serve` in the middle of resolver load and of a print run: the
server goes within its graceful timeout, every acknowledged scan is stored, and the
print run is done or finishes after the next start."""

from __future__ import annotations

import math
import signal
import time
from pathlib import Path

import httpx
import pypdfium2
import pytest
import zxingcpp

from labels.output import PARALLEL_MIN_LABELS
from registry.gs1 import parse_digital_link
from tests.databases import Databases
from tests.faults.harness import (
    GRACEFUL_TIMEOUT_SECONDS,
    ResolverLoad,
    Server,
    demo_database,
    lift_network_limits,
    stored_scans,
)

LAYOUT = "a4-3x7"
LABELS_PER_PAGE = 3 * 7  # the layout's columns × rows
# A large run as the server renders one, split over its worker processes (at least
# PARALLEL_MIN_LABELS), with a last page holding a single label. (5,000 labels before:
# 0.7 ms of CPU each, drawn in part before the stop and whole after the restart.)
RUN_LABELS = math.ceil(PARALLEL_MIN_LABELS / LABELS_PER_PAGE) * LABELS_PER_PAGE + 1
# The resolver is under load (scans acknowledged) before the print run and the SIGTERM.
SCANS_BEFORE_STOP = 100


def _wait_for_run(
    client: httpx.Client, run_id: int, *, within: float, until: tuple[str, ...] = ("done", "failed")
) -> dict[str, object]:
    deadline = time.monotonic() + within
    while True:
        run: dict[str, object] = client.get(f"/api/v1/label-runs/{run_id}").json()
        if run["status"] in until or time.monotonic() > deadline:
            return run
        time.sleep(0.1)


def _qr_links(page: pypdfium2.PdfPage) -> list[str]:
    image = page.render(scale=150 / 72).to_pil()
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format.name == "QRCode"]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_sigterm_during_load_and_a_print_run(
    kind: str, databases: Databases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lift_network_limits(monkeypatch)
    with demo_database(databases, kind) as (database_url, demo):
        demo_scans = stored_scans(database_url, demo.gtin)  # the demo's own history
        server = Server(database_url, tmp_path / "data")
        server.start()
        load = ResolverLoad(f"{server.url}/01/{demo.gtin}/10/{demo.lot}", threads=4, seconds=12)
        api = httpx.Client(base_url=server.url, headers={"x-api-key": demo.api_key}, timeout=10)
        try:
            load.start()
            load.wait_acknowledged(SCANS_BEFORE_STOP, within=10)
            created = api.post(
                "/api/v1/label-runs",
                json={"lot_id": demo.lot_id, "count": RUN_LABELS, "layout": LAYOUT},
            )
            assert created.status_code == 202, created.text
            run_id = created.json()["id"]
            _wait_for_run(api, run_id, within=10, until=("rendering", "done", "failed"))
            code, took = server.terminate(within=GRACEFUL_TIMEOUT_SECONDS + 10)
            result = load.stop()
        finally:
            load.stop()
            api.close()
            server.kill()
        stored = stored_scans(database_url, demo.gtin) - demo_scans
        stopped_log = server.log()

        # Start again: the run is there, done or resumed to the end.
        server = Server(database_url, tmp_path / "data")
        server.start()
        try:
            api = httpx.Client(base_url=server.url, headers={"x-api-key": demo.api_key}, timeout=30)
            after_stop = api.get(f"/api/v1/label-runs/{run_id}").json()
            finished = _wait_for_run(api, run_id, within=90)
            pdf = api.get(f"/api/v1/label-runs/{run_id}/output.pdf")
        finally:
            server.terminate(within=GRACEFUL_TIMEOUT_SECONDS + 10)
    report = (
        f"SIGTERM on {kind}: exit {code} after {took:.1f} s; {result.summary()}; "
        f"stored={stored}; run after stop: {after_stop['status']} "
        f"{after_stop['progress']}/{RUN_LABELS}; after restart: {finished['status']}"
    )
    print(report)
    # uvicorn re-raises the SIGTERM it caught once it has shut down cleanly.
    assert code in (0, -signal.SIGTERM), report + stopped_log
    assert took < GRACEFUL_TIMEOUT_SECONDS, report
    assert not [status for status in result.statuses if status >= 500], report
    # A scan is acknowledged (307) only once recorded; one whose answer the stop cut off
    # may be stored too, but never more than were sent.
    assert result.acknowledged <= stored <= result.sent, report
    assert result.acknowledged > 0, report
    assert finished["status"] == "done", report
    _assert_run_pdf(pdf, demo.gtin, demo.lot, report)


def _assert_run_pdf(pdf: httpx.Response, gtin: str, lot: str, report: str) -> None:
    """Pages from the layout's arithmetic; the first and last page's QR codes decoded."""
    assert pdf.status_code == 200, report
    document = pypdfium2.PdfDocument(pdf.content)
    pages = math.ceil(RUN_LABELS / LABELS_PER_PAGE)
    assert len(document) == pages, report
    first, last = _qr_links(document[0]), _qr_links(document[pages - 1])
    assert len(first) == LABELS_PER_PAGE, report
    assert len(last) == RUN_LABELS - LABELS_PER_PAGE * (pages - 1), report
    serials = set()
    for text in first + last:
        link = parse_digital_link(text)
        qualifiers = dict(link.qualifiers)
        assert link.primary == ("01", gtin) and qualifiers["10"] == lot
        serials.add(qualifiers["21"])
    assert len(serials) == len(first) + len(last)


@pytest.mark.slow
def test_a_print_run_killed_mid_render_resumes_on_the_next_start(
    databases: Databases, tmp_path: Path
) -> None:
    """No graceful stop at all (SIGKILL, power cut): the run is left unfinished, with no
    PDF, and the next start renders it to the end."""
    with demo_database(databases, "sqlite") as (database_url, demo):
        server = Server(database_url, tmp_path / "data")
        server.start()
        try:
            api = httpx.Client(base_url=server.url, headers={"x-api-key": demo.api_key}, timeout=10)
            created = api.post(
                "/api/v1/label-runs",
                json={"lot_id": demo.lot_id, "count": RUN_LABELS, "layout": LAYOUT},
            )
            assert created.status_code == 202, created.text
            run_id = created.json()["id"]
            left = _wait_for_run(api, run_id, within=10, until=("rendering", "done", "failed"))
        finally:
            server.kill()
        assert left["status"] in ("pending", "rendering"), left
        server = Server(database_url, tmp_path / "data")
        server.start()
        try:
            api = httpx.Client(base_url=server.url, headers={"x-api-key": demo.api_key}, timeout=30)
            finished = _wait_for_run(api, run_id, within=90)
            pdf = api.get(f"/api/v1/label-runs/{run_id}/output.pdf")
        finally:
            server.terminate(within=GRACEFUL_TIMEOUT_SECONDS + 10)
    report = (
        f"killed at {left['status']} {left['progress']}/{RUN_LABELS}; after restart: "
        f"{finished['status']} {finished['progress']}/{RUN_LABELS}"
    )
    print(report)
    assert finished["status"] == "done", report
    _assert_run_pdf(pdf, demo.gtin, demo.lot, report)
    # The half-written file of the killed render was replaced, not left beside the PDF.
    assert not list((tmp_path / "data" / "label-runs").glob("*.part")), report
