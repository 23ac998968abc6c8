"""The /scan page in headless Chromium at phone width: upload a label photo, land on the
consumer page."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Page

from tests.browser import PHONE, chromium, csp_refusals, keep_screenshot, needs_chromium, phone
from tests.live_app import LiveApp, live_app
from tests.scan_page.photos import label_photo

__all__ = ["chromium", "live_app", "phone"]

pytestmark = needs_chromium
CONSUMER_PAGE = re.compile(r"/p/01/")


def page_width(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def test_upload_a_label_photo_and_land_on_the_consumer_page(
    live_app: LiveApp, phone: Page, tmp_path: Path
) -> None:
    world = live_app.world
    photo = tmp_path / "tem.jpg"
    photo.write_bytes(label_photo(live_app.link(world.gtin, world.lot, world.serials[0])))

    refused = csp_refusals(phone)
    phone.goto(f"{live_app.url}/scan?lang=vi")
    # Usable at phone width: nothing wider than the screen.
    assert page_width(phone) <= PHONE["width"]
    camera_shown = phone.locator("#camera").is_visible()
    assert camera_shown == phone.evaluate("'BarcodeDetector' in window")
    keep_screenshot(phone, "scan-page-390.png")

    phone.set_input_files("#photo", photo)
    with phone.expect_navigation(url=CONSUMER_PAGE):
        phone.click(".scan-upload button[type=submit]")

    assert phone.url.startswith(f"{live_app.url}/p/01/{world.gtin}/10/{world.lot}/21/")
    assert "Xoài cát Hòa Lộc" in phone.inner_text("body")
    assert page_width(phone) <= PHONE["width"]
    keep_screenshot(phone, "scan-result-390.png")
    assert refused == []


def test_bad_file_in_the_browser_gets_the_friendly_page(
    live_app: LiveApp, phone: Page, tmp_path: Path
) -> None:
    fake = tmp_path / "tem.jpg"
    fake.write_bytes(b"PK\x03\x04 not a photo at all" * 100)
    phone.goto(f"{live_app.url}/scan?lang=en")
    phone.set_input_files("#photo", fake)
    with phone.expect_navigation():
        phone.click(".scan-upload button[type=submit]")
    text = phone.inner_text("[role=alert]")
    assert "not an image" in text and "không phải là ảnh" not in text
    assert page_width(phone) <= PHONE["width"]
    keep_screenshot(phone, "scan-error-390.png")


# Chromium has no BarcodeDetector on Linux: the browser's detector is stood in for by one
# that "sees" a fixed code, so that scan.js itself (camera, detection loop, hand-off to the
# server) runs for real against the fake camera.
DETECTOR_STAND_IN = """
window.BarcodeDetector = class {
  static getSupportedFormats() { return Promise.resolve(["qr_code", "ean_13"]); }
  constructor(options) { this.formats = options.formats; }
  detect(source) {
    return Promise.resolve(source.readyState >= 2 ? [{rawValue: %s, format: "qr_code"}] : []);
  }
};
"""


def test_camera_scan_hands_the_code_to_the_server(live_app: LiveApp, phone: Page) -> None:
    world = live_app.world
    code = live_app.link(world.gtin, world.lot, world.serials[1])
    phone.add_init_script(DETECTOR_STAND_IN % json.dumps(code))
    phone.goto(f"{live_app.url}/scan?lang=vi")
    with phone.expect_navigation(url=CONSUMER_PAGE):
        phone.click("#camera-start")
    assert phone.url.startswith(
        f"{live_app.url}/p/01/{world.gtin}/10/{world.lot}/21/{world.serials[1]}"
    )
    assert "Xoài cát Hòa Lộc" in phone.inner_text("body")


def test_camera_never_opens_a_scanned_website(live_app: LiveApp, phone: Page) -> None:
    phone.add_init_script(DETECTOR_STAND_IN % json.dumps("https://dongthap-gov.example/nhan-qua"))
    phone.goto(f"{live_app.url}/scan?lang=vi")
    with phone.expect_navigation(url=re.compile(r"/scan/code")):
        phone.click("#camera-start")
    assert phone.evaluate("location.host") == live_app.url.split("//")[1]
    text = phone.inner_text("body")
    assert "dongthap-gov.example/nhan-qua" in text and "lừa đảo" in text
    assert phone.locator('a[href*="dongthap-gov"]').count() == 0


def test_without_a_barcode_reader_the_page_says_so_and_the_button_opens_the_camera(
    live_app: LiveApp, phone: Page
) -> None:
    # Safari on iPhone has no BarcodeDetector; nor has Chromium on Linux.
    phone.add_init_script("delete window.BarcodeDetector")
    phone.goto(f"{live_app.url}/scan?lang=vi")
    assert not phone.locator("#camera").is_visible()
    assert "Safari trên iPhone" in phone.inner_text("#camera-absent")
    photo = phone.locator("#photo")
    assert photo.get_attribute("accept") == "image/*"
    assert photo.get_attribute("capture") == "environment"


SUBMIT_STATE = """
document.addEventListener("submit", () => {
  const shown = !document.getElementById("photo-reading").hidden;
  const off = document.getElementById("photo-submit").disabled;
  sessionStorage.setItem("at-submit", (shown ? "reading shown" : "nothing shown") +
    (off ? ", button off" : ", button on"));
});
"""


def test_reading_a_photo_shows_progress_until_the_answer(
    live_app: LiveApp, phone: Page, tmp_path: Path
) -> None:
    photo = tmp_path / "tem.jpg"
    photo.write_bytes(label_photo("no GS1 here, just text"))
    # What the page shows once its submit handlers have run, kept across the navigation.
    phone.add_init_script(SUBMIT_STATE)
    phone.goto(f"{live_app.url}/scan?lang=vi")
    assert not phone.locator("#photo-reading").is_visible()
    phone.set_input_files("#photo", photo)
    with phone.expect_navigation():
        phone.click("#photo-submit")
    assert "Mã tìm thấy trong ảnh" in phone.inner_text("main")
    assert phone.evaluate("sessionStorage.getItem('at-submit')") == "reading shown, button off"
    assert phone.locator("#photo-reading").count() == 1
    assert not phone.locator("#photo-reading").is_visible()
