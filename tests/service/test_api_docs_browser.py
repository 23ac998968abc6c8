"""/api/docs in headless Chromium: Swagger UI, from the app's own files, lists every
operation of the OpenAPI 3.1 document."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from tests.live_app import LiveApp, live_app

__all__ = ["live_app"]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not found at {CHROMIUM}"),
]


def test_api_docs_renders_every_operation_from_local_files(live_app: LiveApp) -> None:
    from playwright.sync_api import sync_playwright

    document = httpx.get(f"{live_app.url}/api/openapi.json", timeout=60).json()
    assert document["openapi"].startswith("3.1.")
    operations = {
        (method.upper(), path) for path, methods in document["paths"].items() for method in methods
    }
    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.goto(f"{live_app.url}/api/docs")
            page.wait_for_selector(".opblock", timeout=60_000)
            # An operation with two tags is shown under each: compare the sets.
            shown = page.locator(".opblock-summary").evaluate_all(
                """blocks => blocks.map(block => [
                        block.querySelector('.opblock-summary-method').innerText,
                        block.querySelector('.opblock-summary-path').dataset.path])"""
            )
            version = page.locator(".info .version-stamp").inner_text()
            text = page.locator("body").inner_text()
        finally:
            browser.close()
    assert "Unable to render" not in text
    assert "OAS 3.1" in version
    assert {tuple(pair) for pair in shown} == operations
    assert ("POST", "/epcis/capture") in operations
    outside = [url for url in requested if not url.startswith((live_app.url, "data:"))]
    assert outside == [], "the page loads nothing from elsewhere"
