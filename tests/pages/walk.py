"""One walk through the demo site on a phone: each page is opened once, measured at every
phone width and, when axe-core is at hand, checked for accessibility."""

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
# WCAG 2.1 A and AA, and axe's best practices (landmarks, one h1, headings in order).
AXE_RUN = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
    // Only violations are read; axe skips collecting every passing node.
    resultTypes: ['violations'],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + n.failureSummary),
  }));
}"""


@dataclass
class PageSeen:
    path: str
    status: int
    scroll_widths: dict[int, int] = field(default_factory=dict)
    scroll_heights: dict[int, int] = field(default_factory=dict)
    images_shown: list[str] = field(default_factory=list)
    charts_cut: dict[int, list[str]] = field(default_factory=dict)
    violations: list[dict[str, Any]] = field(default_factory=list)


def walk_on_phones(chromium: Browser, site: DemoSite, *, axe: Path | None) -> list[PageSeen]:
    widest, *narrower = sorted(PHONE_WIDTHS, reverse=True)
    contexts: list[BrowserContext] = []
    pages: dict[str | None, Page] = {}
    seen: list[PageSeen] = []
    try:
        for who in (None, *site.credentials):
            context = chromium.new_context(
                viewport={"width": widest, "height": PHONE_HEIGHT},
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
            pages[who] = context.new_page()
        for visit in site.visits:
            page = pages[visit.who]
            answer = page.goto(site.url + visit.path)
            assert answer is not None, visit.path
            report = PageSeen(visit.path, answer.status)
            report.images_shown = page.evaluate(IMAGES_SHOWN)
            if axe is not None:
                report.violations = page.evaluate(AXE_RUN)
            for width in (widest, *narrower):
                page.set_viewport_size({"width": width, "height": PHONE_HEIGHT})
                report.scroll_widths[width] = page.evaluate("document.documentElement.scrollWidth")
                report.scroll_heights[width] = page.evaluate(
                    "document.documentElement.scrollHeight"
                )
                report.charts_cut[width] = page.evaluate(CHARTS_OUT_OF_THEIR_CARD)
            page.set_viewport_size({"width": widest, "height": PHONE_HEIGHT})
            seen.append(report)
    finally:
        for context in contexts:
            context.close()
    return seen
