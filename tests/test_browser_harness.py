"""The browser harness (tests/browser.py) starts Chromium with what it asks for."""

from __future__ import annotations

import re

from playwright.sync_api import Browser

from tests.browser import OMNIBOX_POPUP_FEATURES, chromium, needs_chromium

__all__ = ["chromium"]

pytestmark = needs_chromium


def test_chromium_turns_off_every_feature_on_its_command_line(chromium: Browser) -> None:
    """Chromium obeys only the last --disable-features: the harness's must name Playwright's
    own again, or a Playwright upgrade that turns off one more feature goes unheeded."""
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto("chrome://version/?show-variations-cmd")
        command_line = page.inner_text("#command_line")
        variations = page.inner_text("#variations-cmd")
    finally:
        context.close()
    asked = {
        feature
        for switch in re.findall(r"--disable-features=(\S+)", command_line)
        for feature in switch.split(",")
    }
    turned_off = re.search(r'--disable-features="([^"]*)"', variations)
    assert turned_off is not None, variations
    disabled = set(turned_off.group(1).split(","))
    assert asked - disabled == set()
    assert set(OMNIBOX_POPUP_FEATURES) <= disabled
