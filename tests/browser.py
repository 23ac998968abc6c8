"""Headless Chromium for the tests, one way for all: Debian's chromium driven by Playwright
against the real app served on a free local port (`tests.live_app.served_app`).

A test module asks for the fixtures by importing them (`from tests.browser import chromium,
phone`) and marks itself with `pytestmark = needs_chromium`. Screenshots go to
tests/artifacts/ (gitignored); those only a person looks at are taken when the run sets
TRUYXUAT_SCREENSHOTS=1.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # A fake camera, allowed without asking: /scan's camera code runs, no real device opens.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Full-page screenshots cost a tenth of a second or more each, and the journeys take dozens.
SCREENSHOTS_ASKED = os.environ.get("TRUYXUAT_SCREENSHOTS") == "1"

needs_chromium = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    ),
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One browser for the module's tests; each test opens its own context.

    Module-scoped, not session-scoped: while Playwright's sync API is running, its event loop
    counts as running in this thread, and any other test's `asyncio.run` would refuse.
    """
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(chromium: Browser) -> Iterator[Page]:
    """A page the size of a phone (390 × 844, touch, Vietnamese), in a context of its own."""
    context = chromium.new_context(
        viewport=PHONE,
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
        accept_downloads=True,
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def csp_refusals(page: Page) -> list[str]:
    """What the page's Content Security Policy refuses from now on, as the console reports it
    (a refused stylesheet or script leaves the page broken without any error in the test)."""
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return refused


def artifact(name: str) -> Path:
    """Where a screenshot or download named `name` is kept for a person to look at."""
    path = ARTIFACTS / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def keep_screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    """A screenshot no assertion reads, kept as `name` for a person to look at when the run
    asks for them (TRUYXUAT_SCREENSHOTS=1)."""
    if SCREENSHOTS_ASKED:
        page.screenshot(path=artifact(name), full_page=full_page)
