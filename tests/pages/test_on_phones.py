"""Phone first: every page of the portal, the agency and the shopper's side, opened in
Chromium at 360 and 390 px, is no wider than the screen, keeps its charts inside their
card (or scrolling in it), and has no axe-core violation (WCAG 2.1 AA and best practices).

axe-core is the npm package of tests/pages/package.json: `npm ci` installs it here when
node_modules is missing; without npm every other check runs and the test is then skipped,
saying why.
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


def _walk_misses_pages(demo_site: DemoSite) -> list[str]:
    walked_routes = {visit.route for visit in demo_site.visits}
    missing = demo_site.routes - walked_routes - NOT_PAGES - REDIRECTS_ONLY
    return (
        [f"pages no test opens on a phone (add them to tests/pages): {missing}"] if missing else []
    )


def _pages_that_did_not_open(demo_site: DemoSite, walked: list[PageSeen]) -> list[str]:
    statuses = {seen.path: seen.status for seen in walked}
    expected = {visit.path: visit.status for visit in demo_site.visits}
    wrong = {
        path: (statuses.get(path), status)
        for path, status in expected.items()
        if statuses.get(path) != status
    }
    return (
        [f"pages that answered otherwise than expected (got, expected): {wrong}"] if wrong else []
    )


def _pages_wider_than_the_phone(walked: list[PageSeen]) -> list[str]:
    found = []
    for width in PHONE_WIDTHS:
        too_wide = {
            s.path: s.scroll_widths[width] for s in walked if s.scroll_widths[width] > width
        }
        if too_wide:
            found.append(f"pages wider than {width} px: {too_wide}")
        cut = {s.path: s.charts_cut[width] for s in walked if s.charts_cut[width]}
        if cut:
            found.append(f"charts or images wider than their card at {width} px: {cut}")
    return found


def _product_photo_missing(demo_site: DemoSite, walked: list[PageSeen]) -> list[str]:
    photo_pages = [s for s in walked if s.path.split("?")[0] == demo_site.photo_page]
    if len(photo_pages) != 3:  # vi, en and zh
        return [
            f"the photo's consumer page was opened {len(photo_pages)} times, not 3 (vi, en, zh)"
        ]
    return [
        f"no product photo shown on {seen.path}: {seen.images_shown}"
        for seen in photo_pages
        if not any(src.startswith("/media/products/") for src in seen.images_shown)
    ]


def _dashboard_too_tall(walked: list[PageSeen]) -> list[str]:
    dashboard = next(seen for seen in walked if seen.path == "/agency/")
    print(f"dashboard height at {PHONE_WIDTHS} px: {dashboard.scroll_heights}")
    too_tall = {w: h for w, h in dashboard.scroll_heights.items() if h > DASHBOARD_MAX_HEIGHT_PX}
    return (
        [f"the dashboard is taller than {DASHBOARD_MAX_HEIGHT_PX} px: {too_tall}"]
        if too_tall
        else []
    )


def _accessibility_violations(walked: list[PageSeen]) -> list[str]:
    return [f"{s.path}: {violation}" for s in walked for violation in s.violations]


def test_every_page_on_a_phone(
    chromium: Browser, demo_site: DemoSite, axe_script: Path | None
) -> None:
    """One test per database, so the walk (half a minute and more) is done once per database even
    when pytest-xdist shares a module's tests between workers; every check runs and each
    failure is reported."""
    walked = walk_on_phones(chromium, demo_site, axe=axe_script)
    failures = [
        *_walk_misses_pages(demo_site),
        *_pages_that_did_not_open(demo_site, walked),
        *_pages_wider_than_the_phone(walked),
        *_product_photo_missing(demo_site, walked),
        *_dashboard_too_tall(walked),
        *_accessibility_violations(walked),
    ]
    assert not failures, "\n".join(failures)
    if axe_script is None:
        pytest.skip(
            "every check passed but accessibility: npm is not installed, so axe-core is "
            "not (apt-get install npm)"
        )
