"""Chromium driven by Playwright, signed in as each person who walks the demo site."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import BrowserContext, Page, sync_playwright

from tests.pages.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE_HEIGHT, DemoSite


@contextmanager
def phones(site: DemoSite, width: int) -> Iterator[dict[str | None, Page]]:
    """A page per person (None: a shopper, signed in nowhere) at `width` CSS pixels."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        contexts: list[BrowserContext] = []
        pages: dict[str | None, Page] = {}
        for who in (None, *site.credentials):
            context = browser.new_context(
                viewport={"width": width, "height": PHONE_HEIGHT}, locale="vi-VN"
            )
            contexts.append(context)
            if who is not None:
                email, password = site.credentials[who]
                signed_in = context.request.post(
                    f"{site.url}/api/v1/auth/login", data={"email": email, "password": password}
                )
                assert signed_in.ok, signed_in.text()
            pages[who] = context.new_page()
        try:
            yield pages
        finally:
            for context in contexts:
                context.close()
            browser.close()
