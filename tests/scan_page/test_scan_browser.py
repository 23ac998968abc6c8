"""The /scan page in headless Chromium at phone width: upload a label photo, land on the
consumer page. Driven over the DevTools protocol with the `websockets` package."""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from tests.live_app import LiveApp, live_app
from tests.scan_page.photos import label_photo

__all__ = ["live_app"]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PHONE_WIDTH = 390
PHONE_HEIGHT = 844

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not found at {CHROMIUM}"),
]


class DevTools:
    """A minimal DevTools protocol session on one page target."""

    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, timeout: float = 20, **params: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        self._socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self._socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)

    def evaluate(self, expression: str) -> Any:
        answer = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return answer["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
            except RuntimeError:  # the page is navigating: its context is gone for a moment
                value = None
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expression}")

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(data["data"]))


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    profile = tmp_path / "profile"
    process = subprocess.Popen(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-quic",
            "--no-first-run",
            "--disable-component-update",
            "--disable-sync",
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.skip("Chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        page = next(t for t in targets if t["type"] == "page")
        with connect(page["webSocketDebuggerUrl"], max_size=2**26, open_timeout=10) as socket:
            session = DevTools(socket)
            session.call("Page.enable")
            session.call("Runtime.enable")
            session.call("Log.enable")
            session.call(
                "Emulation.setDeviceMetricsOverride",
                width=PHONE_WIDTH,
                height=PHONE_HEIGHT,
                deviceScaleFactor=1,
                mobile=True,
            )
            yield session
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_upload_a_label_photo_and_land_on_the_consumer_page(
    live_app: LiveApp, browser: DevTools, tmp_path: Path
) -> None:
    world = live_app.world
    photo = tmp_path / "tem.jpg"
    photo.write_bytes(label_photo(live_app.link(world.gtin, world.lot, world.serials[0])))
    ARTIFACTS.mkdir(exist_ok=True)

    browser.call("Page.navigate", url=f"{live_app.url}/scan?lang=vi")
    browser.wait_for("document.readyState === 'complete' && !!document.querySelector('#photo')")
    # Usable at phone width: nothing wider than the screen.
    assert browser.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    camera_shown = browser.evaluate("!document.getElementById('camera').hidden")
    assert camera_shown == browser.evaluate("'BarcodeDetector' in window")
    browser.screenshot(ARTIFACTS / "scan-page-390.png")

    root = browser.call("DOM.getDocument")["root"]["nodeId"]
    node = browser.call("DOM.querySelector", nodeId=root, selector="#photo")["nodeId"]
    browser.call("DOM.setFileInputFiles", nodeId=node, files=[str(photo)])
    browser.evaluate("document.querySelector('.scan-upload button[type=submit]').click()")

    landed = browser.wait_for(
        "location.pathname.startsWith('/p/01/') && document.readyState === 'complete' "
        "&& location.href"
    )
    assert landed.startswith(f"{live_app.url}/p/01/{world.gtin}/10/{world.lot}/21/")
    assert "Xoài cát Hòa Lộc" in browser.evaluate("document.body.innerText")
    assert browser.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    browser.screenshot(ARTIFACTS / "scan-result-390.png")

    blocked = [
        event
        for event in browser.events
        if event.get("method") == "Log.entryAdded"
        and "Content Security Policy" in event["params"]["entry"].get("text", "")
    ]
    assert blocked == []


def test_bad_file_in_the_browser_gets_the_friendly_page(
    live_app: LiveApp, browser: DevTools, tmp_path: Path
) -> None:
    fake = tmp_path / "tem.jpg"
    fake.write_bytes(b"PK\x03\x04 not a photo at all" * 100)
    browser.call("Page.navigate", url=f"{live_app.url}/scan?lang=en")
    browser.wait_for("document.readyState === 'complete' && !!document.querySelector('#photo')")
    root = browser.call("DOM.getDocument")["root"]["nodeId"]
    node = browser.call("DOM.querySelector", nodeId=root, selector="#photo")["nodeId"]
    browser.call("DOM.setFileInputFiles", nodeId=node, files=[str(fake)])
    browser.evaluate("document.querySelector('.scan-upload button[type=submit]').click()")
    text = browser.wait_for(
        "document.readyState === 'complete' && document.querySelector('[role=alert]') "
        "&& document.querySelector('[role=alert]').innerText"
    )
    assert "not an image" in text and "không phải là ảnh" in text
    assert browser.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    ARTIFACTS.mkdir(exist_ok=True)
    browser.screenshot(ARTIFACTS / "scan-error-390.png")


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


def test_camera_scan_hands_the_code_to_the_server(live_app: LiveApp, browser: DevTools) -> None:
    world = live_app.world
    code = live_app.link(world.gtin, world.lot, world.serials[1])
    browser.call(
        "Page.addScriptToEvaluateOnNewDocument", source=DETECTOR_STAND_IN % json.dumps(code)
    )
    browser.call("Page.navigate", url=f"{live_app.url}/scan?lang=vi")
    browser.wait_for(
        "!!document.getElementById('camera') && !document.getElementById('camera').hidden"
    )
    browser.evaluate("document.getElementById('camera-start').click()")
    landed = browser.wait_for(
        "location.pathname.startsWith('/p/01/') && document.readyState === 'complete' "
        "&& location.href"
    )
    assert landed.startswith(
        f"{live_app.url}/p/01/{world.gtin}/10/{world.lot}/21/{world.serials[1]}"
    )
    assert "Xoài cát Hòa Lộc" in browser.evaluate("document.body.innerText")


def test_camera_never_opens_a_scanned_website(live_app: LiveApp, browser: DevTools) -> None:
    browser.call(
        "Page.addScriptToEvaluateOnNewDocument",
        source=DETECTOR_STAND_IN % json.dumps("https://dongthap-gov.example/nhan-qua"),
    )
    browser.call("Page.navigate", url=f"{live_app.url}/scan?lang=vi")
    browser.wait_for(
        "!!document.getElementById('camera') && !document.getElementById('camera').hidden"
    )
    browser.evaluate("document.getElementById('camera-start').click()")
    browser.wait_for("location.pathname === '/scan/code' && document.readyState === 'complete'")
    assert browser.evaluate("location.host") == live_app.url.split("//")[1]
    text = browser.evaluate("document.body.innerText")
    assert "dongthap-gov.example/nhan-qua" in text and "lừa đảo" in text
    assert browser.evaluate("document.querySelectorAll('a[href*=\"dongthap-gov\"]').length") == 0
