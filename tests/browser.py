"""Headless Chromium for the tests, one way for all: Debian's Chromium driven by Playwright
against the real app served on a free local port (`tests.live_app.served_app`).

A test module asks for the fixtures by importing them (`from tests.browser import chromium,
phone`) and marks itself with `pytestmark = needs_chromium`. Screenshots go to
tests/artifacts/ (gitignored); those only a person looks at are taken when the run sets
TRUYXUAT_SCREENSHOTS=1.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

# Debian's chromium, as the project's rules ask. (Its headless shell, chromium-headless-shell, was
# measured at half the CPU per page load, but the rules name this browser.)
CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
# What Playwright 1.65 turns off (chromiumSwitches in its driver). Chromium obeys only the
# last --disable-features it is given, so ours must name these again.
PLAYWRIGHT_DISABLED_FEATURES = (
    "AvoidUnnecessaryBeforeUnloadCheckSync",
    "DestroyProfileOnBrowserClose",
    "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable",
    "LensOverlay",
    "MediaRouter",
    "PaintHolding",
    "ThirdPartyStoragePartitioning",
    "AvoidCorsURLLoaderRestartOnRedirect",
    "TcpPortRandomizationWin",
    "OptimizationHints",
    "NetworkTimeServiceQuerying",
    "AimEnabled",
    "PreconnectToSearch",
    "msForceBrowserSignIn",
    "msEdgeUpdateLaunchServicesPreferredVersion",
)
# Headless Chromium builds each window's address-bar popup as web pages of its own
# (chrome://omnibox-popup.top-chrome) and updates them on every navigation: a tenth of the
# CPU of the portal's browser tests, for a popup no test can see.
OMNIBOX_POPUP_FEATURES = ("WebUIOmniboxPopup", "WebUIOmniboxAimPopup", "WebUIOmniboxFullPopup")
CHROMIUM_ARGS = [
    "--disable-features=" + ",".join(PLAYWRIGHT_DISABLED_FEATURES + OMNIBOX_POPUP_FEATURES),
    # V8 without its optimizing compilers (Maglev, TurboFan): a page's scripts run for a
    # fraction of a second before the next page, too short for optimized code to pay back
    # its compiling. axe-core's first run on each page cost 75 ms more renderer CPU than its
    # second (compiling in the background); without them, about as much as the second.
    # Only speed changes: a script computes the same either way.
    "--js-flags=--no-opt --no-maglev",
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
        not CHROMIUM.exists(),
        reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)",
    ),
]


class _Driver:
    """Playwright's driver and one Chromium for the whole test process, started by the
    first module that asks for a browser (a start costs a second of CPU and more of wall).

    Between two of Playwright's sync calls its event loop counts as running in this thread
    (playwright/_impl/_greenlets.py, `wait_for_future`), so any other test's `asyncio.run`
    would refuse. So the loop is marked running only while a module that uses the browser
    runs (`borrowed`), as it was when each such module started a Playwright of its own.
    """

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def borrowed(self) -> Iterator[Browser]:
        if self._loop is not None:
            asyncio._set_running_loop(self._loop)
        browser = self._started()
        try:
            yield browser
        finally:
            try:
                # Whatever a failed test left open closes here, not in the next module.
                if browser.is_connected():
                    for context in browser.contexts:
                        context.close()
            finally:
                asyncio._set_running_loop(None)

    def _started(self) -> Browser:
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        if self._playwright is None:
            self._playwright = sync_playwright().start()
            self._loop = asyncio.get_running_loop()
        self._browser = self._playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        return self._browser

    def stop(self) -> None:
        if self._playwright is None:
            return
        asyncio._set_running_loop(self._loop)
        if self._browser is not None and self._browser.is_connected():
            self._browser.close()
        self._playwright.stop()


_DRIVER = pytest.StashKey[_Driver]()


@pytest.fixture(scope="module")
def chromium(request: pytest.FixtureRequest) -> Iterator[Browser]:
    """The process's browser, for the module's tests; each test opens its own context."""
    config = request.config
    if _DRIVER not in config.stash:
        config.stash[_DRIVER] = _Driver()
        config.add_cleanup(config.stash[_DRIVER].stop)
    yield from config.stash[_DRIVER].borrowed()


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
