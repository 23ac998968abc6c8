"""The export journey of issue 20 in headless Chromium, on each database: an officer records
the planting-area and packing-house codes of a durian cooperative's places for China; the
cooperative records its harvest, creates the export lot and packs the harvest into it,
prints export labels (the PDF's QR and DataMatrix decoded, its marks read back), records the
consignment and downloads its dossier; a label's QR opens the consumer page in Chinese."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from playwright.sync_api import Browser, Page

from registry.accounts.models import Role
from registry.actor import SYSTEM
from registry.db import make_engine, make_sessionmaker, unit_of_work
from registry.locations.models import LocationKind
from registry.locations.service import create_location
from tests.browser import (
    DESKTOP,
    PHONE,
    chromium,
    csp_refusals,
    keep_screenshot,
    needs_chromium,
)
from tests.factories import PASSWORD, make_enterprise, make_product, make_user
from tests.live_app import served_app

__all__ = ["chromium"]

pytestmark = [*needs_chromium, pytest.mark.slow]

WARD_NGU_HIEP = "28516"
AREA_CODE = "VN-TGOR-0157"
PACKHOUSE_CODE = "VN-TGPH-0046"
HARVEST_LOT = "SRNH-T01"
EXPORT_LOT = "SRCN-01"
CERTIFICATE = "KDTV-2612-0415"
# ISO 6346: owner MSK, category U, serial 123456 and its check digit 5.
CONTAINER = "MSKU1234565"


@dataclass(frozen=True)
class Desk:
    url: str
    database: str
    officer_email: str
    member_email: str
    area_gln: str
    packhouse_gln: str
    gtin: str


@pytest.fixture(scope="module")
def desk(committed_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    engine = make_engine(committed_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        enterprise = make_enterprise(
            session, legal_name="Hợp tác xã Sầu riêng Ngũ Hiệp", ward_code=WARD_NGU_HIEP
        )
        member = make_user(session, enterprise=enterprise)
        officer = make_user(session, role=Role.agency)
        product = make_product(
            session,
            enterprise=enterprise,
            name_vi="Sầu riêng Ri6 Ngũ Hiệp",
            name_en="Ngu Hiep Ri6 durian",
            name_zh="榴莲",
            net_content="18 kg",
        )
        area, packhouse = (
            create_location(
                session,
                actor=SYSTEM,
                enterprise=enterprise,
                name=name,
                kind=kind,
                ward_code=WARD_NGU_HIEP,
                latitude=10.30,
                longitude=106.14,
            )
            for name, kind in (
                ("Vùng trồng sầu riêng ấp Tân Phong", LocationKind.growing_area),
                ("Cơ sở đóng gói HTX Ngũ Hiệp", LocationKind.packhouse),
            )
        )
        facts = (officer.email, member.email, area.gln, packhouse.gln, product.gtin)
    engine.dispose()
    folder = tmp_path_factory.mktemp("export-journey")
    with served_app(
        committed_database_url,
        secret_key="export-e2e",
        data_dir=folder,
        print_run_refresh_seconds=1,
    ) as base:
        yield Desk(base, committed_database_url.split(":")[0].split("+")[0], *facts)


def _go(page: Page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).first.click()


def _sign_in(page: Page, desk: Desk, email: str, goal: str) -> None:
    page.goto(f"{desk.url}/login?next={goal}")
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    _go(page, "form[action^='/login'] button[type=submit]")
    assert page.url.endswith(goal), page.url


def _officer_records_the_codes(chromium: Browser, desk: Desk, harvested: dt.date) -> None:
    context = chromium.new_context(viewport=DESKTOP, locale="vi-VN")
    page = context.new_page()
    _sign_in(page, desk, desk.officer_email, "/agency/market-codes")
    for gln, code, area_ha in (
        (desk.area_gln, AREA_CODE, "12,4"),
        (desk.packhouse_gln, PACKHOUSE_CODE, ""),
    ):
        if not page.url.endswith("/agency/market-codes"):
            _go(page, ".agency-nav a[href='/agency/market-codes']")
        page.fill("#gln", gln)
        page.fill("#code", code)
        page.fill("#markets", "CN")
        page.fill("#issuing_body", "Cục Trồng trọt và Bảo vệ thực vật")
        page.fill("#crop", "Sầu riêng")
        page.fill("#area_ha", area_ha)
        page.fill("#valid_from", (harvested - dt.timedelta(days=400)).isoformat())
        _go(page, "#record button[type=submit]")
        assert "error-summary" not in page.content(), page.inner_text("main")
        assert code in page.inner_text("main")
    _go(page, ".agency-nav a[href='/agency/market-codes']")
    codes = page.inner_text("#codes")
    for code in (AREA_CODE, PACKHOUSE_CODE):
        row = page.locator("#codes tr", has_text=code).inner_text()
        assert "CN" in row and "active" not in row, row  # the status in words
    assert codes.count("CN") >= 2
    keep_screenshot(page, f"export/codes-{desk.database}.png")
    context.close()


def _choose(page: Page, selector: str, text: str) -> None:
    """Pick the option whose label holds `text` (labels add a GLN or a GTIN to names)."""
    value = page.locator(f"{selector} option", has_text=text).first.get_attribute("value")
    assert value, (selector, text, page.inner_text(selector))
    page.select_option(selector, value)


def _new_lot(page: Page, desk: Desk, fields: dict[str, str], choices: dict[str, str]) -> str:
    """The lot form filled and sent; the new lot's page URL."""
    page.goto(f"{desk.url}/portal/lots/new")
    for selector, value in fields.items():
        page.fill(selector, value)
    for selector, text in choices.items():
        _choose(page, selector, text)
    _go(page, "form[action='/portal/lots/new'] button[type=submit]")
    assert "error-summary" not in page.content(), page.inner_text("main")
    return page.url.split("#")[0]


def _pdf(page: Page, selector: str, path: Path) -> pypdfium2.PdfDocument:
    with page.expect_download() as download:
        page.locator(selector).first.click()
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")
    return pypdfium2.PdfDocument(str(path))


def _text(document: pypdfium2.PdfDocument) -> str:
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def test_record_codes_harvest_pack_export_label_consignment(
    desk: Desk, chromium: Browser, tmp_path: Path
) -> None:
    harvested = dt.date.today() - dt.timedelta(days=1)

    # 1. An officer records the growing area's and the packhouse's codes for China.
    _officer_records_the_codes(chromium, desk, harvested)

    context = chromium.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN", accept_downloads=True
    )
    page = context.new_page()
    refused = csp_refusals(page)
    _sign_in(page, desk, desk.member_email, "/portal")

    # 2. The harvest: a lot from the growing area, harvested at dawn.
    area = "Vùng trồng sầu riêng ấp Tân Phong"
    packhouse = "Cơ sở đóng gói HTX Ngũ Hiệp"
    product = "Sầu riêng Ri6 Ngũ Hiệp"
    harvest_url = _new_lot(
        page,
        desk,
        {"#f-code": HARVEST_LOT, "#f-production_on": harvested.isoformat(), "#f-quantity": "2000"},
        {
            "#f-product_id": product,
            "#f-unit": "kg",
            "#f-origin_location_id": area,
        },
    )
    _go(page, ".step-links a:text-is('Thu hoạch')")
    page.fill("#f-event_time", f"{harvested.isoformat()}T06:30")
    _go(page, "#step-form button[type=submit]")
    assert "Thu hoạch" in page.inner_text("#journey")

    # 3. The export lot for China, from that area, packed in the packhouse.
    export_url = _new_lot(
        page,
        desk,
        {"#f-code": EXPORT_LOT, "#f-production_on": harvested.isoformat(), "#f-quantity": "1800"},
        {
            "#f-product_id": product,
            "#f-unit": "kg",
            "#f-origin_location_id": area,
            "#f-export_market": "(CN)",
            "#f-packhouse_location_id": packhouse,
        },
    )
    page.goto(f"{harvest_url}?step=pack")
    _choose(page, "#f-location_id", packhouse)
    _choose(page, "#f-output_lot_id", EXPORT_LOT)
    page.fill("#f-quantity", "2000")
    page.fill("#f-output_quantity", "1800")
    _go(page, "#step-form button[type=submit]")
    assert "Đóng gói" in page.inner_text("#journey")

    # 4. Export labels: the marks for China, the QR and the GS1 DataMatrix on the PDF.
    page.goto(export_url)
    _go(page, "text=In tem cho lô này")
    page.select_option("#f-template", "export")
    page.select_option("#f-layout", "roll-100x70")
    page.fill("#f-count", "2")
    _go(page, "#label-form button[name=preview]")
    assert page.locator(".label-preview img").evaluate("img => img.naturalWidth") > 0
    _go(page, "form[action='/portal/labels'][method=post] button[type=submit]")
    page.wait_for_selector("a[href$='/download'], p.field-error", timeout=60_000)
    labels = _pdf(page, "text=Tải tệp PDF", tmp_path / "tem-xuat-khau.pdf")
    marks = _text(labels)
    for mark in (AREA_CODE, PACKHOUSE_CODE, "输往中华人民共和国", "榴莲"):
        assert mark in marks, (mark, marks)
    image = labels[0].render(scale=400 / 72).to_pil()
    symbols = {r.format: r.text for r in zxingcpp.read_barcodes(image)}
    link = symbols[zxingcpp.BarcodeFormat.QRCode]
    assert link.startswith(f"{desk.url}/01/{desk.gtin}/10/{EXPORT_LOT}"), link
    datamatrix = symbols[zxingcpp.BarcodeFormat.DataMatrix]
    assert desk.gtin in datamatrix and EXPORT_LOT in datamatrix, datamatrix

    # 5. The consignment, then its dossier (PDF and EPCIS document).
    page.goto(f"{desk.url}/portal/consignments/new")
    _choose(page, "#f-location_id", packhouse)
    page.fill("#f-market", "CN")
    _choose(page, "#f-lot_id_1", EXPORT_LOT)
    page.fill("#f-quantity_1", "1800")
    _choose(page, "#f-unit_1", "kg")
    page.fill("#f-importer_name", "凭祥市友谊进出口贸易有限公司")
    page.fill("#f-importer_country", "CN")
    page.fill("#f-certificate_number", CERTIFICATE)
    page.fill("#f-lab_lab_1", "Trung tâm Kiểm nghiệm Đồng Tháp")
    page.fill("#f-lab_report_number_1", "KN-0415")
    page.fill("#f-lab_analyte_1", "Cadimi (Cd)")
    page.fill("#f-lab_result_1", "0,012 mg/kg")
    page.fill("#f-lab_limit_1", "0,05 mg/kg")
    page.select_option("#f-lab_passed_1", "pass")
    page.fill("#f-container_number", CONTAINER)
    page.fill("#f-seal_numbers", "VN2612041")
    page.fill("#f-departed_on", dt.date.today().isoformat())
    page.fill("#f-port_of_loading", "Cửa khẩu Hữu Nghị, Lạng Sơn")
    page.fill("#f-port_of_discharge", "友谊关 Youyiguan, Pingxiang")
    _go(page, "form[action='/portal/consignments/new'] button[type=submit]")
    assert "error-summary" not in page.content(), page.inner_text("main")
    assert CONTAINER in page.inner_text("main")
    dossier = _text(_pdf(page, "a[href$='/dossier.pdf']", tmp_path / "ho-so.pdf"))
    for fact in (AREA_CODE, PACKHOUSE_CODE, CERTIFICATE, CONTAINER, EXPORT_LOT):
        assert fact in dossier, (fact, dossier)
    epcis_path = page.locator("a[href$='/dossier.jsonld']").first.get_attribute("href")
    document = page.request.get(f"{desk.url}{epcis_path}")
    assert document.ok, document.status
    steps = [e["bizStep"] for e in json.loads(document.body())["epcisBody"]["eventList"]]
    assert {"commissioning", "packing", "shipping"} <= set(steps), steps
    keep_screenshot(page, f"export/consignment-{desk.database}.png")

    # 6. A shopper in China scans the label: the page in Chinese.
    shopper = context.new_page()
    shopper.goto(f"{link}&lang=zh" if "?" in link else f"{link}?lang=zh")
    assert shopper.get_attribute("html", "lang") == "zh-Hans"
    assert "榴莲" in shopper.inner_text("main")
    assert shopper.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not refused, refused
    context.close()
