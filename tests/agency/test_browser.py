"""The dashboard and the PDF report as a person sees them: headless Chromium against a
real uvicorn server. Screenshots are kept in tests/artifacts/ (gitignored)."""

from __future__ import annotations

from collections.abc import Iterator

import pypdfium2 as pdfium
import pytest
from playwright.sync_api import Browser

from registry.accounts.models import Role
from registry.db import make_engine, make_sessionmaker, unit_of_work
from tests.agency.world import PERIOD, build_world
from tests.browser import artifact, chromium, csp_refusals, needs_chromium
from tests.databases import Databases
from tests.factories import PASSWORD, make_user
from tests.live_app import served_app

__all__ = ["chromium"]

pytestmark = needs_chromium


@pytest.fixture(scope="session")
def agency_tables() -> None:
    """This module prepares its own database file; no per-backend tables needed."""


@pytest.fixture(scope="module")
def server(databases: Databases) -> Iterator[tuple[str, str]]:
    with databases.new("sqlite") as url:
        engine = make_engine(url)
        with unit_of_work(make_sessionmaker(engine)) as session:
            build_world(session, scans=600)
            email = make_user(session, role=Role.agency).email
        engine.dispose()
        with served_app(url, secret_key="browser-test") as base:
            yield base, email


def test_dashboard_and_report_screenshots(server: tuple[str, str], chromium: Browser) -> None:
    base, email = server
    context = chromium.new_context(viewport={"width": 1280, "height": 2000}, locale="vi-VN")
    login = context.request.post(
        f"{base}/api/v1/auth/login", data={"email": email, "password": PASSWORD}
    )
    assert login.ok, login.text()
    page = context.new_page()
    refused = csp_refusals(page)
    response = page.goto(f"{base}/agency/?period={PERIOD}")
    assert response is not None and response.ok
    assert page.locator("svg.chart").count() == 4
    assert page.locator("#indicator-scans .value").inner_text().strip() != ""
    # Stylesheets applied (a CSP violation would leave the page unstyled).
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.indicator-grid')).display")
        == "grid"
    )
    dashboard = artifact("agency-dashboard.png")
    page.screenshot(path=dashboard, full_page=False)
    report = context.request.get(f"{base}/agency/report.pdf?period={PERIOD}")
    pdf_bytes = report.body()
    assert report.ok and pdf_bytes.startswith(b"%PDF")
    context.close()
    assert not refused, refused
    pdf = pdfium.PdfDocument(pdf_bytes)
    first = artifact("agency-report-page1.png")
    pdf[0].render(scale=1.5).to_pil().save(first)
    pdf.close()
    assert dashboard.stat().st_size > 20_000
    assert first.stat().st_size > 20_000
