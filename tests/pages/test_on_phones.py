"""Phone first: every page of the portal, the agency and the shopper's side, opened in
Chromium at 360 and 390 px, is no wider than the screen, keeps its charts inside their
card (or scrolling in it), and has no axe-core violation (WCAG 2.1 AA and best practices).

axe-core is the npm package of tests/pages/package.json: `npm ci` installs it here when
node_modules is missing; without npm only the accessibility test is skipped, saying why.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.browser import chromium, needs_chromium
from tests.pages.conftest import (
    DASHBOARD_MAX_HEIGHT_PX,
    NOT_PAGES,
    PHONE_WIDTHS,
    REDIRECTS_ONLY,
    DemoSite,
)
from tests.pages.walk import PageSeen, walk_on_phones

__all__ = ["chromium"]

pytestmark = [*needs_chromium, pytest.mark.slow]

PACKAGE_DIR = Path(__file__).resolve().parent
AXE = PACKAGE_DIR / "node_modules" / "axe-core" / "axe.min.js"


def _axe_script() -> Path | None:
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            return None
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=PACKAGE_DIR,
            check=True,
            timeout=300,
        )
    return AXE


@pytest.fixture(scope="module")
def axe_script() -> Path | None:
    return _axe_script()


@pytest.fixture(scope="module")
def walked(chromium: Browser, demo_site: DemoSite, axe_script: Path | None) -> list[PageSeen]:
    return walk_on_phones(chromium, demo_site, axe=axe_script)


def test_the_walk_covers_every_page_of_the_app(demo_site: DemoSite) -> None:
    walked_routes = {visit.route for visit in demo_site.visits}
    missing = demo_site.routes - walked_routes - NOT_PAGES - REDIRECTS_ONLY
    assert not missing, f"pages no test opens on a phone (add them to tests/pages): {missing}"


def test_every_page_opens(demo_site: DemoSite, walked: list[PageSeen]) -> None:
    statuses = {seen.path: seen.status for seen in walked}
    expected = {visit.path: visit.status for visit in demo_site.visits}
    assert statuses == expected


@pytest.mark.parametrize("width", PHONE_WIDTHS)
def test_no_page_is_wider_than_the_phone(walked: list[PageSeen], width: int) -> None:
    too_wide = {s.path: s.scroll_widths[width] for s in walked if s.scroll_widths[width] > width}
    assert not too_wide, f"pages wider than {width} px: {too_wide}"
    cut = {s.path: s.charts_cut[width] for s in walked if s.charts_cut[width]}
    assert not cut, f"charts or images wider than their card at {width} px: {cut}"


def test_the_product_photo_is_shown_on_the_consumer_page(
    demo_site: DemoSite, walked: list[PageSeen]
) -> None:
    photo_pages = [s for s in walked if s.path.split("?")[0] == demo_site.photo_page]
    assert len(photo_pages) == 3  # vi, en and zh
    for seen in photo_pages:
        assert any(src.startswith("/media/products/") for src in seen.images_shown), seen


def test_the_dashboard_is_a_few_screens_tall_on_a_phone(walked: list[PageSeen]) -> None:
    dashboard = next(seen for seen in walked if seen.path == "/agency/")
    print(f"dashboard height at {PHONE_WIDTHS} px: {dashboard.scroll_heights}")
    too_tall = {w: h for w, h in dashboard.scroll_heights.items() if h > DASHBOARD_MAX_HEIGHT_PX}
    assert not too_tall, f"the dashboard is taller than {DASHBOARD_MAX_HEIGHT_PX} px: {too_tall}"


def test_no_page_has_an_accessibility_violation(
    walked: list[PageSeen], axe_script: Path | None
) -> None:
    if axe_script is None:
        pytest.skip("npm is not installed, so axe-core is not (apt-get install npm)")
    found = [f"{s.path}: {violation}" for s in walked for violation in s.violations]
    assert not found, "\n".join(found)
