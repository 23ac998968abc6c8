"""ResolverClient against the real app served by uvicorn, and against failing servers."""

from __future__ import annotations

import io
import json
import random
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import barcode
import httpx
import pytest
import qrcode
from barcode.writer import ImageWriter
from jsonschema import Draft7Validator
from PIL import Image, ImageDraw, ImageFilter

from registry.gs1 import gs1_check_digit
from scanner_client.client import ResolverClient, ResolverUnavailable, RetryPolicy
from scanner_client.decode import decode_image
from scanner_client.interpret import interpret, interpret_code
from scanner_client.queue import OfflineQueue
from tests.live_app import LiveApp, free_port, live_app, scan_count
from tests.testdata import load_json

__all__ = ["live_app"]

FAST_RETRY = RetryPolicy(attempts=4, first_delay=0.01, max_delay=0.05, total_seconds=5)


@pytest.fixture
def client(live_app: LiveApp) -> Iterator[ResolverClient]:
    with ResolverClient(live_app.url, retry=FAST_RETRY) as client:
        yield client


def test_issued_serial_is_genuine(live_app: LiveApp, client: ResolverClient) -> None:
    world = live_app.world
    result = client.verify(live_app.link(world.gtin, world.lot, world.serials[0]))
    assert result.verdict == "genuine"
    assert not result.failing
    assert result.product_name == "Xoài cát Hòa Lộc"
    assert result.body["serial"] == {"value": world.serials[0], "status": "issued"}
    assert result.consumer_page is not None and result.consumer_page.startswith(live_app.url)


def test_made_up_serial_is_never_issued(live_app: LiveApp, client: ResolverClient) -> None:
    world = live_app.world
    result = client.verify(live_app.link(world.gtin, world.lot, world.forged_serial))
    assert result.verdict == "serial_never_issued"
    assert result.failing


def test_recalled_lot(live_app: LiveApp, client: ResolverClient) -> None:
    world = live_app.world
    result = client.verify(live_app.link(world.recalled_gtin, world.recalled_lot))
    assert result.verdict == "recalled"
    assert result.body["recall"]["reason_en"] == "Histamine above the limit"


def test_unknown_gtin_is_not_registered(live_app: LiveApp, client: ResolverClient) -> None:
    result = client.verify(live_app.link(live_app.world.unknown_gtin))
    assert result.verdict == "not_registered"
    assert result.colour == "grey" and not result.failing


def test_element_string_is_asked_on_the_configured_resolver(
    live_app: LiveApp, client: ResolverClient
) -> None:
    world = live_app.world
    text = f"(01){world.gtin}(10){world.lot}(21){world.serials[1]}"
    result = client.verify(text)
    assert result.verdict == "genuine"
    assert result.uri == live_app.link(world.gtin, world.lot, world.serials[1])


def test_lookalike_domain_is_checked_through_the_registry_only(
    live_app: LiveApp, client: ResolverClient
) -> None:
    world = live_app.world
    fake = f"https://truyxuat-dongthap.example/01/{world.gtin}/10/{world.lot}"
    result = client.verify(fake)
    assert result.uri == live_app.link(world.gtin, world.lot)
    assert interpret(fake, config=client.config).untrusted_domain


def test_phishing_url_is_never_sent_anywhere() -> None:
    # Nothing listens on the port: any request would raise ResolverUnavailable.
    with ResolverClient(f"http://127.0.0.1:{free_port()}", retry=FAST_RETRY) as client:
        result = client.verify("https://dongthap-gov.example/login?next=/01/08934560865699")
    assert result.verdict == "phishing"
    assert result.messages


def test_linkset_validates_against_the_gs1_schema(
    live_app: LiveApp, client: ResolverClient
) -> None:
    world = live_app.world
    linkset = client.linkset(live_app.link(world.gtin, world.lot))
    assert linkset is not None
    schema = load_json("linkset", "gs1-linkset-schema.json")
    Draft7Validator(schema).validate(linkset)
    assert linkset["linkset"][0]["anchor"] == live_app.link(world.gtin, world.lot)
    assert client.linkset(live_app.link(world.unknown_gtin)) is None


def test_only_scans_are_recorded(live_app: LiveApp, client: ResolverClient) -> None:
    world = live_app.world
    serial = world.serials[2]
    before = scan_count(live_app, serial=serial)
    client.verify(live_app.link(world.gtin, world.lot, serial))
    assert scan_count(live_app, serial=serial) == before
    result = client.scan(live_app.link(world.gtin, world.lot, serial))
    assert result is not None and result.verdict == "genuine"
    assert result.body["scan_count"] >= 1
    assert scan_count(live_app, serial=serial, expected=before + 1) == before + 1


def test_offline_scans_are_queued_once_and_flushed_later(live_app: LiveApp, tmp_path: Path) -> None:
    world = live_app.world
    serial = world.serials[1]
    uri = live_app.link(world.gtin, world.lot, serial)
    queue = OfflineQueue(tmp_path / "queue.sqlite3")
    offline = ResolverClient(
        f"http://127.0.0.1:{free_port()}",
        retry=FAST_RETRY,
        queue=queue,
        trusted_domains=(live_app.url,),
    )
    with offline:
        assert offline.scan(uri) is None
        assert offline.scan(uri) is None
    assert len(queue) == 1
    (queued,) = queue.pending()
    assert queued.times_seen == 2
    before = scan_count(live_app, serial=serial)
    with ResolverClient(live_app.url, retry=FAST_RETRY, queue=queue) as online:
        flushed = online.flush()
    assert (flushed.sent, flushed.remaining) == (1, 0)
    assert len(queue) == 0
    assert scan_count(live_app, serial=serial, expected=before + 1) == before + 1


# --- retries, against a server that fails on purpose ------------------------------------


class FlakyServer:
    """Answers `failures` requests with `status`, then the verdict JSON."""

    def __init__(self, *, failures: int, status: int = 503, retry_after: str | None = None):
        self.failures, self.status, self.retry_after = failures, status, retry_after
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests += 1
                if outer.requests <= outer.failures:
                    self.send_response(outer.status)
                    if outer.retry_after is not None:
                        self.send_header("retry-after", outer.retry_after)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                body = json.dumps({"verdict": "genuine"}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # shutdown() waits for the loop to look at its flag, every poll_interval (0.5 s by
        # default: half a second of each test's teardown).
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def flaky(request: pytest.FixtureRequest) -> Iterator[FlakyServer]:
    server = FlakyServer(**request.param)
    yield server
    server.close()


CODE = "(01)08934560865699"


@pytest.mark.parametrize(
    "flaky",
    [
        {"failures": 3},
        {"failures": 2, "status": 429, "retry_after": "0"},
        {"failures": 1, "status": 502},
    ],
    indirect=True,
)
def test_transient_failures_are_retried(flaky: FlakyServer) -> None:
    with ResolverClient(flaky.url, retry=FAST_RETRY) as client:
        assert client.verify(CODE).verdict == "genuine"
    assert flaky.requests == flaky.failures + 1


@pytest.mark.parametrize("flaky", [{"failures": 100}], indirect=True)
def test_attempts_are_bounded(flaky: FlakyServer) -> None:
    with ResolverClient(flaky.url, retry=FAST_RETRY) as client, pytest.raises(ResolverUnavailable):
        client.verify(CODE)
    assert flaky.requests == FAST_RETRY.attempts


@pytest.mark.parametrize("flaky", [{"failures": 100, "retry_after": "30"}], indirect=True)
def test_total_time_is_bounded(flaky: FlakyServer) -> None:
    policy = RetryPolicy(attempts=10, first_delay=0.2, max_delay=1, total_seconds=1.0)
    started = time.monotonic()
    with ResolverClient(flaky.url, retry=policy) as client, pytest.raises(ResolverUnavailable):
        client.verify(CODE)
    # A server asking for 30 s more than the budget allows: give up, do not wait.
    assert time.monotonic() - started < 1.0
    assert flaky.requests == 1


def test_connection_refused_is_retried_then_reported() -> None:
    slept: list[float] = []
    client = ResolverClient(f"http://127.0.0.1:{free_port()}", retry=FAST_RETRY, sleep=slept.append)
    with client, pytest.raises(ResolverUnavailable) as raised:
        client.verify(CODE)
    assert len(slept) == FAST_RETRY.attempts - 1
    assert slept == sorted(slept)
    assert "máy chủ" in raised.value.message_vi


# --- round trip: print a label, photograph it badly, decode, ask the live registry -------


def _photographed(label: Image.Image, *, seed: int, angle: float) -> bytes:
    """The label as a phone would see it: on a cluttered table, turned, blurred, noisy, JPEG."""
    rng = random.Random(seed)
    scene = Image.new("RGB", (1100, 900), (205, 198, 180))
    draw = ImageDraw.Draw(scene)
    for _ in range(40):
        x, y = rng.randrange(1100), rng.randrange(900)
        shade = tuple(rng.randrange(90, 230) for _ in range(3))
        draw.rectangle((x, y, x + rng.randrange(20, 160), y + rng.randrange(5, 60)), fill=shade)
    turned = label.convert("RGB").rotate(angle, expand=True, fillcolor=(250, 250, 245))
    scene.paste(turned, ((1100 - turned.width) // 2, (900 - turned.height) // 2))
    scene = scene.filter(ImageFilter.GaussianBlur(1.1))
    noise = Image.effect_noise(scene.size, 24).convert("RGB")
    scene = Image.blend(scene, noise, 0.12)
    out = io.BytesIO()
    scene.save(out, "JPEG", quality=55)
    return out.getvalue()


def _qr_label(text: str) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=4)
    code.add_data(text)
    return code.make_image(fill_color="black", back_color="white").get_image()


def _ean13_label(gtin13: str) -> Image.Image:
    out = io.BytesIO()
    barcode.get("ean13", gtin13, writer=ImageWriter(), options={"guardbar": True}).write(
        out, options={"module_width": 0.33, "dpi": 200, "quiet_zone": 4}
    )
    return Image.open(io.BytesIO(out.getvalue()))


def test_round_trip_label_photo_to_verdict(live_app: LiveApp, client: ResolverClient) -> None:
    world = live_app.world
    labels = [
        (_qr_label(live_app.link(world.gtin, world.lot, world.serials[0])), "genuine"),
        (
            _qr_label(live_app.link(world.gtin, world.lot, world.forged_serial)),
            "serial_never_issued",
        ),
        (
            _qr_label(live_app.link(world.recalled_gtin, world.recalled_lot) + "?17=301231"),
            "recalled",
        ),
        (_ean13_label(world.unknown_gtin[1:]), "not_registered"),
    ]
    for seed, (label, expected) in enumerate(labels):
        photo = _photographed(label, seed=seed, angle=(-1) ** seed * (7 + 4 * seed))
        codes = decode_image(photo, time_budget=3.0)
        assert len(codes) == 1, f"label {seed}: {codes}"
        meaning = interpret_code(codes[0], config=client.config)
        assert meaning.valid
        assert client.verify(meaning).verdict == expected


def test_verify_api_answers_problems_for_bad_input(live_app: LiveApp) -> None:
    with httpx.Client(base_url=live_app.url) as http:
        broken = http.get("/api/v1/verify", params={"uri": "https://x.example/01/12345"})
        assert broken.status_code == 400
        assert broken.headers["content-type"].startswith("application/problem+json")
        assert broken.json()["message_vi"] and broken.json()["message_en"]
        gln = "893456700000" + gs1_check_digit("893456700000")
        location = http.get("/api/v1/verify", params={"uri": f"https://x.example/414/{gln}"})
        assert location.status_code == 404
        assert http.get("/api/v1/verify").status_code in (400, 422)
        preflight = http.get("/api/v1/verify", params={"uri": live_app.link(live_app.world.gtin)})
        assert preflight.headers["access-control-allow-origin"] == "*"
