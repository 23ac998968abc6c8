"""Headless Chromium at a phone's size renders the consumer page for every verdict of
docs/verdicts.md, in Vietnamese and in English.

A real uvicorn serves the real app on a file-backed SQLite database; screenshots go
to a temporary folder (pytest's basetemp: run with --basetemp=DIR to keep and look at
them), named <verdict>-<lang>.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Page

from registry.db import make_engine, make_sessionmaker, unit_of_work
from tests.browser import chromium, needs_chromium, phone
from tests.databases import Databases
from tests.live_app import served_app
from tests.resolver.conftest import World, build_world, free_gtin, seed_suspicious

__all__ = ["chromium", "phone"]

pytestmark = [*needs_chromium, pytest.mark.slow]
# Card colours of consumer.css (.verdict.green / .amber / .red / .grey).
COLOURS = {
    "green": (30, 125, 58),
    "amber": (179, 92, 0),
    "red": (179, 38, 30),
    "grey": (79, 91, 102),
}
# Each verdict's colour as docs/verdicts.md gives it.
VERDICT_COLOURS = {
    "genuine": "green",
    "registered": "green",
    "lot_undeclared": "amber",
    "expired": "amber",
    "withdrawn": "amber",
    "suspended": "amber",
    "suspicious_copy": "amber",
    "recalled": "red",
    "invalid": "red",
    "serial_never_issued": "red",
    "serial_void": "red",
    "not_registered": "grey",
    "foreign_prefix": "grey",
}


@pytest.fixture(scope="module")
def server(databases: Databases) -> Iterator[tuple[str, dict[str, str]]]:
    with databases.new("sqlite") as url:
        engine = make_engine(url)
        with unit_of_work(make_sessionmaker(engine)) as session:
            world: World = build_world(session)
            seed_suspicious(
                session,
                gtin=world.product.gtin,
                lot=world.lot.code,
                serial=world.serials[4],
                scans=40,
                devices=12,
            )
            paths = {
                "genuine": world.path(lot=world.lot, serial=world.serials[0]),
                "registered": world.path(lot=world.lot),
                "lot_undeclared": world.path() + "/10/NOPE-1",
                "foreign_prefix": f"/01/{free_gtin(session, stem='0400638')}",
                "recalled": world.path(world.recalled_product, world.recalled_lot),
                "expired": world.path(lot=world.expired_lot),
                "withdrawn": world.path(world.withdrawn_product),
                "suspended": world.path(world.suspended_product),
                "not_registered": f"/01/{world.unregistered_gtin}",
                "invalid": f"/01/{world.product.gtin[:-1]}{(int(world.product.gtin[-1]) + 1) % 10}",
                "serial_never_issued": world.path(lot=world.lot, serial=world.never_issued_serial),
                "serial_void": world.path(lot=world.void_lot, serial=world.void_serial),
                "suspicious_copy": world.path(lot=world.lot, serial=world.serials[4]),
            }
        engine.dispose()
        with served_app(url, secret_key="browser-test") as base:
            yield base, paths


def screenshot(page: Page, url: str, target: Path) -> Image.Image:
    target.parent.mkdir(parents=True, exist_ok=True)
    page.goto(url)
    page.screenshot(path=target)
    return Image.open(target).convert("RGB")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_verdict_renders_at_phone_size(
    server: tuple[str, dict[str, str]], phone: Page, tmp_path: Path, lang: str
) -> None:
    base, paths = server
    assert set(paths) == set(VERDICT_COLOURS)
    shots = tmp_path / "screenshots"
    for verdict, path in paths.items():
        url = f"{base}{path}?lang={lang}"
        image = screenshot(phone, url, shots / f"{verdict}-{lang}.png")
        assert image.size == (390, 844)
        colours = image.crop((0, 0, 390, 300)).getcolors(390 * 300) or []
        card = sum(count for count, rgb in colours if rgb == COLOURS[VERDICT_COLOURS[verdict]])
        # The card is the first thing on the screen, in its verdict's colour.
        assert card > 390 * 40, (verdict, lang, card)
        # Nothing spills sideways: the right edge shows the page's background only.
        edge = {image.getpixel((389, y)) for y in range(0, 844, 4)}
        assert len(edge) <= 3, (verdict, lang, edge)


def test_page_and_stylesheet_weigh_under_30_kb(server: tuple[str, dict[str, str]]) -> None:
    base, paths = server
    css = httpx.get(f"{base}/static/consumer.css")
    for path in paths.values():
        page = httpx.get(base + path, follow_redirects=True, headers={"accept": "text/html"})
        assert page.status_code in (200, 400, 404)
        assert len(page.content) + len(css.content) < 30 * 1024


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_report_form_names_the_product_on_a_phone(
    server: tuple[str, dict[str, str]], phone: Page, tmp_path: Path, lang: str
) -> None:
    base, paths = server
    url = f"{base}/p/report?path={paths['serial_never_issued']}&lang={lang}&verdict=x"
    page = httpx.get(url).text
    assert ("Hoa Loc mango" if lang == "en" else "Xoài cát Hòa Lộc") in page
    image = screenshot(phone, url, tmp_path / "screenshots" / f"report-{lang}.png")
    edge = {image.getpixel((389, y)) for y in range(0, 844, 4)}
    assert len(edge) <= 3, edge  # the form fits the phone's width
