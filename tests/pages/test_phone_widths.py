"""Phone first: no page is wider than a 360 or 390 px screen, and every chart fits its
card (or scrolls inside it), for the producer's portal, the agency and the shopper."""

from __future__ import annotations

import pytest

from tests.pages.browsing import phones
from tests.pages.conftest import NOT_PAGES, PHONE_WIDTHS, REDIRECTS_ONLY, DemoSite

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Any element sticking out of its card, unless the card (or a box inside it) scrolls.
OVERFLOWING_CHARTS = """() => [...document.querySelectorAll('svg.chart, canvas, img')]
  .filter(el => {
    const card = el.closest('.card, section, figure') || document.body;
    const scroller = el.closest('[data-scrolls], .table-card, figure');
    if (scroller && getComputedStyle(scroller).overflowX !== 'visible') return false;
    const box = el.getBoundingClientRect(), outer = card.getBoundingClientRect();
    return box.right > outer.right + 1 || box.left < outer.left - 1;
  })
  .map(el => el.outerHTML.slice(0, 80))"""


def test_the_walk_covers_every_page_of_the_app(demo_site: DemoSite) -> None:
    walked = {visit.route for visit in demo_site.visits}
    missing = demo_site.routes - walked - NOT_PAGES - REDIRECTS_ONLY
    assert not missing, f"pages no test opens on a phone (add them to tests/pages): {missing}"


@pytest.mark.parametrize("width", PHONE_WIDTHS)
def test_no_page_is_wider_than_the_phone(demo_site: DemoSite, width: int) -> None:
    too_wide: dict[str, int] = {}
    charts_cut: dict[str, list[str]] = {}
    with phones(demo_site, width) as pages:
        for visit in demo_site.visits:
            page = pages[visit.who]
            answer = page.goto(demo_site.url + visit.path)
            assert answer is not None and answer.status < 500, visit.path
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                too_wide[visit.path] = scroll_width
            cut = page.evaluate(OVERFLOWING_CHARTS)
            if cut:
                charts_cut[visit.path] = cut
    assert not too_wide, f"pages wider than {width} px: {too_wide}"
    assert not charts_cut, f"charts wider than their card at {width} px: {charts_cut}"
