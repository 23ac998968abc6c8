"""/api/docs in headless Chromium: Swagger UI, from the app's own files, lists every
operation of the OpenAPI 3.1 document."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser

from tests.browser import chromium, needs_chromium
from tests.live_app import LiveApp, live_app

__all__ = ["chromium", "live_app"]

pytestmark = [*needs_chromium, pytest.mark.slow]


def test_api_docs_renders_every_operation_from_local_files(
    live_app: LiveApp, chromium: Browser
) -> None:
    document = httpx.get(f"{live_app.url}/api/openapi.json", timeout=60).json()
    assert document["openapi"].startswith("3.1.")
    operations = {
        (method.upper(), path) for path, methods in document["paths"].items() for method in methods
    }
    requested: list[str] = []
    page = chromium.new_page()
    try:
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{live_app.url}/api/docs")
        page.wait_for_selector(".opblock-tag", timeout=60_000)
        # Tags start folded (a 139-operation page with every tag open stops rendering
        # part-way in Swagger UI 5): open each, read its operations, fold it again.
        # An operation with two tags is shown under each: compare the sets.
        shown: list[list[str]] = []
        tags = page.locator(".opblock-tag")
        for index in range(tags.count()):
            tags.nth(index).click()
            section = page.locator(".opblock-tag-section").nth(index)
            section.locator(".opblock").first.wait_for(timeout=30_000)
            shown += section.locator(".opblock-summary").evaluate_all(
                """blocks => blocks.map(block => [
                        block.querySelector('.opblock-summary-method').innerText,
                        block.querySelector('.opblock-summary-path').dataset.path])"""
            )
            tags.nth(index).click()
        version = page.locator(".info .version-stamp").inner_text()
        text = page.locator("body").inner_text()
    finally:
        page.close()
    assert "Unable to render" not in text
    assert "OAS 3.1" in version
    assert {tuple(pair) for pair in shown} == operations
    assert ("POST", "/epcis/capture") in operations
    outside = [url for url in requested if not url.startswith((live_app.url, "data:"))]
    assert outside == [], "the page loads nothing from elsewhere"
