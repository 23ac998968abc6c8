"""An officer's journey on a phone (390 px), on each database: sign in on the one sign-in
page, find a product by its name without diacritics, recall one lot after seeing what the
recall reaches, see the consumer page show the reason, then triage a report with a photo."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page

from registry.accounts.models import Role
from registry.db import make_engine, make_sessionmaker, unit_of_work
from registry.reports.service import submit_report
from tests.browser import PHONE, chromium, csp_refusals, keep_screenshot, needs_chromium, phone
from tests.factories import (
    PASSWORD,
    consumer_photo,
    make_enterprise,
    make_lot,
    make_product,
    make_user,
)
from tests.live_app import served_app

__all__ = ["chromium", "phone"]

pytestmark = [*needs_chromium, pytest.mark.slow]

REASON = "Vượt ngưỡng histamin cho phép"
NOTICE = "Ngừng sử dụng lô này và mang trả lại nơi mua."


@dataclass(frozen=True)
class Desk:
    url: str
    database: str
    officer_email: str
    gtin: str
    bad_lot: str
    good_lot: str
    report_id: int


@pytest.fixture(scope="module")
def desk(committed_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    engine = make_engine(committed_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        enterprise = make_enterprise(session, legal_name="HTX Mắm Hồng Ngự")
        product = make_product(session, enterprise=enterprise, name_vi="Mắm cá linh Hồng Ngự")
        bad, good = make_lot(session, product=product), make_lot(session, product=product)
        officer = make_user(session, role=Role.agency)
        session.flush()
        report = submit_report(
            session,
            kind="quality",
            message="Mắm có mùi lạ, nắp phồng",
            device_hash="c" * 32,
            gtin=product.gtin,
            lot=bad.code,
            verdict="genuine",
            photo=consumer_photo(),
        )
        session.flush()
        facts = (officer.email, product.gtin, bad.code, good.code, report.id)
    engine.dispose()
    folder = tmp_path_factory.mktemp("officer")
    with served_app(committed_database_url, secret_key="officer-e2e", data_dir=folder) as base:
        yield Desk(base, committed_database_url.split(":")[0].split("+")[0], *facts)


def _fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (page.url, width)


def _go(page: Page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).first.click()
    _fits(page)


def test_an_officer_recalls_a_lot_and_triages_a_report_on_a_phone(
    desk: Desk, chromium: Browser, phone: Page
) -> None:
    page = phone
    refused = csp_refusals(page)
    # 1. One sign-in page for everyone; staff land on the agency's pages.
    page.goto(f"{desk.url}/login")
    assert "cán bộ Chi cục" in page.inner_text("main")
    page.fill("#f-email", desk.officer_email)
    page.fill("#f-password", PASSWORD)
    _go(page, "form[action='/login'] button[type=submit]")
    assert page.url.endswith("/agency/")
    assert desk.officer_email in page.inner_text(".agency-who")
    assert page.inner_text("#count-reports").strip() == "(1)"

    # 2. Find the product by its name, typed without diacritics.
    _go(page, ".agency-nav a[href='/agency/recalls']")
    page.fill("#q", "mam ca linh")
    _go(page, "form[role=search] button")
    _go(page, "a[href^='/agency/recalls?product=']")
    assert not page.is_checked("#scope-product") and not page.is_checked("#scope-lots")

    # 3. One lot, a reason and a notice; the review says what the recall reaches.
    page.check("#scope-lots")
    page.check(f"#lots label:has-text('{desk.bad_lot}') input")
    page.fill("#reason_vi", REASON)
    page.fill("#notice_vi", NOTICE)
    _go(page, "button[value=review]")
    assert "Xác nhận thu hồi" in page.inner_text("h1")
    assert page.inner_text("#confirm-lots").strip() == "1"
    reach = page.inner_text("table.data")
    assert desk.bad_lot in reach and desk.good_lot not in reach
    keep_screenshot(page, f"agency/officer-recall-review-{desk.database}.png", full_page=False)
    _go(page, "button[value=confirm]")
    assert REASON in page.inner_text("main")

    # 4. The consumer who scans that lot sees the reason.
    consumer = chromium.new_context(viewport=PHONE, is_mobile=True, locale="vi-VN")
    shopper = consumer.new_page()
    shopper.goto(f"{desk.url}/01/{desk.gtin}/10/{desk.bad_lot}")
    assert f"Lý do thu hồi: {REASON}" in shopper.inner_text("main")
    _fits(shopper)
    consumer.close()

    # 5. The report: photo, product and producer by name, the verdict in words.
    _go(page, ".agency-nav a[href='/agency/reports']")
    card = page.locator(f"#report-{desk.report_id}")
    assert "Mắm cá linh Hồng Ngự" in card.inner_text()
    assert "HTX Mắm Hồng Ngự" in card.inner_text()
    assert "Hợp lệ" in card.inner_text() and "genuine" not in card.inner_text()
    photo = card.locator(".report-photo img")
    photo.scroll_into_view_if_needed()
    assert page.evaluate("img => img.complete && img.naturalWidth", photo.element_handle()) == 320
    # Dismissed without a note: the form comes back with the message, nothing lost.
    card.locator("select[name=status]").select_option("dismissed")
    _go(page, f"#report-{desk.report_id} form button[type=submit]")
    card = page.locator(f"#report-{desk.report_id}")
    assert "Cần ghi lý do khi bỏ qua phản ánh." in card.inner_text()
    assert card.locator("select[name=status]").input_value() == "dismissed"
    card.locator("textarea[name=note]").fill("Đã thu hồi lô; phản ánh đúng, chuyển xử lý.")
    card.locator("select[name=status]").select_option("resolved")
    _go(page, f"#report-{desk.report_id} form button[type=submit]")
    assert page.inner_text("#count-reports").strip() == "(0)"
    keep_screenshot(page, f"agency/officer-report-{desk.database}.png")
    assert not refused, refused
