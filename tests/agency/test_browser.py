"""The dashboard and the PDF report as a person sees them: headless Chromium against a
real uvicorn server. Screenshots are kept in tests/artifacts/ (gitignored)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import uvicorn

from registry.accounts.models import Role
from registry.db import make_engine, make_sessionmaker, unit_of_work
from registry.migrate import prepare_database
from registry.settings import Settings
from tests.agency.world import PERIOD, build_world
from tests.factories import PASSWORD, make_user

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's /usr/bin/chromium is not installed"),
]


@pytest.fixture(scope="session")
def agency_tables() -> None:
    """This module prepares its own database file; no per-backend tables needed."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    from service.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'agency.sqlite3'}"
    prepare_database(url)
    engine = make_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        build_world(session, scans=600)
        email = make_user(session, role=Role.agency).email
    engine.dispose()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(Settings(database_url=url, base_url=base, secret_key="browser-test"))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield base, email
    uv.should_exit = True
    thread.join(timeout=10)


def test_dashboard_and_report_screenshots(server: tuple[str, str], tmp_path: Path) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    base, email = server
    ARTIFACTS.mkdir(exist_ok=True)
    refused: list[str] = []
    with playwright_api.sync_playwright() as playwright:
        # Playwright passes --user-data-dir itself, from user_data_dir.
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 2000},
            locale="vi-VN",
        )
        login = context.request.post(
            f"{base}/api/v1/auth/login", data={"email": email, "password": PASSWORD}
        )
        assert login.ok, login.text()
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                refused.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        response = page.goto(f"{base}/agency/?period={PERIOD}")
        assert response is not None and response.ok
        assert page.locator("svg.chart").count() == 4
        assert page.locator("#indicator-scans .value").inner_text().strip() != ""
        # Stylesheets applied (a CSP violation would leave the page unstyled).
        assert (
            page.evaluate("getComputedStyle(document.querySelector('.indicator-grid')).display")
            == "grid"
        )
        dashboard = ARTIFACTS / "agency-dashboard.png"
        page.screenshot(path=str(dashboard), full_page=False)
        report = context.request.get(f"{base}/agency/report.pdf?period={PERIOD}")
        pdf_bytes = report.body()
        assert report.ok and pdf_bytes.startswith(b"%PDF")
        context.close()
    assert not refused, refused
    pdf = pdfium.PdfDocument(pdf_bytes)
    first = ARTIFACTS / "agency-report-page1.png"
    pdf[0].render(scale=1.5).to_pil().save(first)
    pdf.close()
    assert dashboard.stat().st_size > 20_000
    assert first.stat().st_size > 20_000
