"""One walk through the demo site on a phone: each page is opened once, measured at every
phone width and, when axe-core is at hand, checked for accessibility.

Each person walks with two tabs. axe-core (half of the walk's time) runs in one tab while
the next page opens and is measured in the other, so Chromium's two renderer processes
work at once; a tab is only resized or navigated once its own axe run has answered."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page

from tests.pages.conftest import PHONE_HEIGHT, PHONE_WIDTHS, DemoSite

# Images and charts sticking out of their card, unless a box around them scrolls.
CHARTS_OUT_OF_THEIR_CARD = """() => [...document.querySelectorAll('svg.chart, canvas, img')]
  .filter(el => {
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== 'visible') return false;
      if (box.matches('.card, figure, section')) {
        const inner = el.getBoundingClientRect(), outer = box.getBoundingClientRect();
        return inner.right > outer.right + 1 || inner.left < outer.left - 1;
      }
    }
    return false;
  })
  .map(el => el.outerHTML.slice(0, 80))"""
# Images the browser fetched and decoded, by address.
IMAGES_SHOWN = """() => [...document.images]
  .filter(img => img.complete && img.naturalWidth > 0).map(img => img.getAttribute('src'))"""
# What is measured at one width, in one round trip.
MEASURE = f"""() => ({{
  scrollWidth: document.documentElement.scrollWidth,
  scrollHeight: document.documentElement.scrollHeight,
  chartsCut: ({CHARTS_OUT_OF_THEIR_CARD})(),
  imagesShown: ({IMAGES_SHOWN})(),
}})"""
# WCAG 2.1 A and AA, and axe's best practices (landmarks, one h1, headings in order).
# Started from a timer, so the call answers at once and axe runs while the test goes on;
# AXE_VIOLATIONS waits for its answer.
AXE_START = """() => {
  window.axeViolations = new Promise(started => setTimeout(started, 0))
    .then(() => axe.run(document, {
      runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
      // Only violations are read; axe skips collecting every passing node.
      resultTypes: ['violations'],
    }))
    .then(result => result.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + n.failureSummary),
    })));
}"""
AXE_VIOLATIONS = "() => window.axeViolations"
WIDEST = max(PHONE_WIDTHS)


@dataclass
class PageSeen:
    path: str
    status: int
    scroll_widths: dict[int, int] = field(default_factory=dict)
    scroll_heights: dict[int, int] = field(default_factory=dict)
    images_shown: list[str] = field(default_factory=list)
    charts_cut: dict[int, list[str]] = field(default_factory=dict)
    violations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Tab:
    """A tab and the page open in it, kept at the width it was last measured at: the next
    page opens at that width, so each page costs one resize. Layout here is CSS alone (no
    script of the site reads the width), so a page measured after a resize is laid out as
    one opened at that width."""

    page: Page
    width: int = WIDEST
    seen: PageSeen | None = None

    def open(self, url: str, path: str) -> PageSeen:
        answer = self.page.goto(url)
        assert answer is not None, path
        self.seen = PageSeen(path, answer.status)
        self.measure()
        return self.seen

    def measure(self) -> None:
        assert self.seen is not None
        measured = self.page.evaluate(MEASURE)
        self.seen.scroll_widths[self.width] = measured["scrollWidth"]
        self.seen.scroll_heights[self.width] = measured["scrollHeight"]
        self.seen.charts_cut[self.width] = measured["chartsCut"]
        if self.width == WIDEST:
            self.seen.images_shown = measured["imagesShown"]

    def measure_at(self, width: int) -> None:
        self.page.set_viewport_size({"width": width, "height": PHONE_HEIGHT})
        self.width = width
        self.measure()

    def widths_left(self) -> list[int]:
        assert self.seen is not None
        return [width for width in PHONE_WIDTHS if width not in self.seen.scroll_widths]


def _finish(tab: _Tab, *, axe: bool) -> None:
    """Wait for the tab's axe run, then measure the widths its page was not seen at yet."""
    assert tab.seen is not None
    if axe:
        tab.seen.violations = tab.page.evaluate(AXE_VIOLATIONS)
    for width in tab.widths_left():
        tab.measure_at(width)
    tab.seen = None


def walk_on_phones(chromium: Browser, site: DemoSite, *, axe: Path | None) -> list[PageSeen]:
    contexts: list[BrowserContext] = []
    tabs: dict[str | None, tuple[_Tab, _Tab]] = {}
    seen: list[PageSeen] = []
    try:
        for who in (None, *site.credentials):
            context = chromium.new_context(
                viewport={"width": WIDEST, "height": PHONE_HEIGHT},
                is_mobile=True,
                has_touch=True,
                locale="vi-VN",
            )
            if axe is not None:
                # Handed to each page as it opens: injecting it with a script tag afterwards
                # cost 0.45 s a page (560 KB through the driver, parsed again) and needed the
                # page's Content Security Policy switched off.
                context.add_init_script(path=axe)
            contexts.append(context)
            if who is not None:
                email, password = site.credentials[who]
                signed_in = context.request.post(
                    f"{site.url}/api/v1/auth/login", data={"email": email, "password": password}
                )
                assert signed_in.ok, signed_in.text()
            tabs[who] = (_Tab(context.new_page()), _Tab(context.new_page()))
        checking: _Tab | None = None
        for visit in site.visits:
            tab = next(tab for tab in tabs[visit.who] if tab is not checking)
            seen.append(tab.open(site.url + visit.path, visit.path))
            if tab.width != WIDEST:
                tab.measure_at(WIDEST)
            if axe is not None:
                tab.page.evaluate(AXE_START)
            if checking is not None:
                _finish(checking, axe=axe is not None)
            checking = tab
        if checking is not None:
            _finish(checking, axe=axe is not None)
    finally:
        for context in contexts:
            context.close()
    return seen
