"""`truyxuat serve` keeps answering while it does heavy work for others: eight consumers
sending large photo reports, a 50,000-event EPCIS capture and an XLSX product import
at once leave `/healthz` answering within 200 ms at the 99th percentile.

The load is as large as it must be for the bound to catch heavy work done in the server's
own process. Checked in a scratch copy whose worker pool ran a job in the request's thread
(or on the event loop), on this 2-core machine at load average 10-14, where the server as
it is gave a loaded p99 of 76-152 ms at these sizes (four runs) and 143-236 ms at smaller
ones (two of six over the bound: the fewer the polls, the more each stall of a busy
machine weighs):
- the capture alone in the request's thread, at CAPTURE_LIMIT: p99 787 ms (PostgreSQL),
  547 ms (SQLite); at 20,000 events 153 ms on PostgreSQL, not caught. Its collections'
  pauses grow with the events, so the capture stays at the limit and sets the test's
  length.
- the photos alone in the request's thread: two each (16): p99 622 ms with a one-event
  capture (not measured beside the full one); one each (8) beside the full capture: 155 ms,
  not caught (the poller waits for each answer, so a stall is one slow poll among more
  polls the longer the capture runs).
- everything in the request's thread: 727 ms; the capture on the event loop (SQLite): two
  polls of 24-30 s and a 503 for the capture.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import math
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from openpyxl import Workbook
from PIL import Image
from prometheus_client.parser import text_string_to_metric_families

from registry.accounts.models import KeyScope, Role
from registry.accounts.service import create_api_key
from registry.actor import SYSTEM
from registry.db import make_engine, make_sessionmaker, unit_of_work
from registry.events.capture import CAPTURE_LIMIT
from registry.reports.models import ReportKind
from service.demo import DEMO_PASSWORD, ENTERPRISES
from tests.databases import Databases
from tests.faults.harness import (
    Demo,
    Server,
    demo_database,
)

HEALTH_P99_SECONDS = 0.2
REPORTERS = 8
REPORTS_EACH = 2
# Phone and camera photos: 12, 24 and 39 megapixels (the report limit is 40).
PHOTO_SIZES = [(4000, 3000), (6000, 4000), (7300, 5400)]
IMPORT_ROWS = 500
# SQLite has one writer: a report waiting longer than its busy timeout answers 503 with
# Retry-After, and the client sends it again, as the answer asks.
REPORT_ATTEMPTS = 3
HEALTH_POLL_SECONDS = 0.02
# Idle answers are reported beside the loaded ones, and none may fail: 50 polls show it.
BASELINE_SECONDS = 1.0
LOAD_DEADLINE_SECONDS = 240.0
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _agency_key(database_url: str) -> str:
    engine = make_engine(database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            issued = create_api_key(
                session, actor=SYSTEM, role=Role.agency, name="load", scope=KeyScope.write
            )
            return issued.secret
    finally:
        engine.dispose()


@functools.cache  # the same photos for both databases
def _photo(width: int, height: int) -> bytes:
    """A smooth colour photo: many pixels, a small file (as phone JPEGs of labels are)."""
    across = Image.linear_gradient("L").resize((width, height))
    down = across.rotate(90).resize((width, height))
    image = Image.merge("RGB", (across, down, across.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


@functools.cache  # the demo's product is the same on both databases
def _capture_document(gtin: str, *, events: int = CAPTURE_LIMIT) -> bytes:
    """Distinct events about the demo product; CAPTURE_LIMIT of them are about 16 MB of JSON."""
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    event_list = [
        {
            "type": "ObjectEvent",
            "eventTime": (start + dt.timedelta(seconds=index)).isoformat(),
            "eventTimeZoneOffset": "+07:00",
            "epcList": [f"https://id.gs1.org/01/{gtin}/21/LOAD{index:06d}"],
            "action": "OBSERVE",
            "bizStep": "inspecting",
            "disposition": "in_progress",
        }
        for index in range(events)
    ]
    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": start.isoformat(),
        "epcisBody": {"eventList": event_list},
    }
    return json.dumps(document).encode()


def _workbook(rows: int) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["name_vi", "name_en", "net_content"])
    for index in range(rows):
        sheet.append([f"Sản phẩm tải {index}", f"Load product {index}", "1 kg"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class Served:
    kind: str
    server: Server
    demo: Demo
    agency_key: str


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(
    request: pytest.FixtureRequest, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """One served app per database for both tests: each started its own before, and a
    start (the app, then the worker processes' first job) is seconds on a busy machine."""
    kind: str = request.param
    with (
        pytest.MonkeyPatch.context() as monkeypatch,
        demo_database(databases, kind) as (database_url, demo),
    ):
        # Every reporter comes from 127.0.0.1: one network for the per-network limit (the
        # broken photo of the refusal test is one more report).
        monkeypatch.setenv("TRUYXUAT_REPORTS_PER_HOUR", str(REPORTERS * REPORTS_EACH * 2))
        server = Server(database_url, tmp_path_factory.mktemp("data"))
        server.start()
        try:
            yield Served(kind, server, demo, _agency_key(database_url))
        finally:
            server.kill()


def _lag_buckets(url: str) -> dict[str, float]:
    text = httpx.get(f"{url}/metrics", timeout=30).text
    return {
        found.labels["le"]: found.value
        for family in text_string_to_metric_families(text)
        for found in family.samples
        if found.name == "truyxuat_event_loop_lag_seconds_bucket"
    }


class HealthPoller:
    """Asks /healthz every HEALTH_POLL_SECONDS and keeps how long each answer took."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.seconds: list[float] = []
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> HealthPoller:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self._stop.is_set():
                started = time.perf_counter()
                try:
                    ok = client.get(f"{self.url}/healthz").status_code == 200
                except httpx.TransportError:
                    ok = False
                self.seconds.append(time.perf_counter() - started)
                self.failures += not ok
                time.sleep(HEALTH_POLL_SECONDS)

    def p99(self) -> float:
        ordered = sorted(self.seconds)
        return ordered[math.ceil(0.99 * len(ordered)) - 1]


class Outcomes:
    """What each piece of work answered, collected from its thread."""

    def __init__(self) -> None:
        self.statuses: dict[str, list[int | str]] = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def run(self, name: str, work: Callable[[], list[int]]) -> None:
        def target() -> None:
            try:
                found: list[int | str] = list(work())
            except Exception as exc:  # reported in the assertion, not lost in a thread
                found = [repr(exc)]
            with self._lock:
                self.statuses[name] = found

        thread = threading.Thread(target=target, daemon=True)
        self._threads.append(thread)
        thread.start()

    def wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))


def _send_reports(url: str, reporter: int, photos: list[bytes], demo: Demo) -> list[int]:
    # One device each: the report limit counts per device.
    headers = {"user-agent": f"Mozilla/5.0 (Linux; Android 14) load-reporter-{reporter}"}
    statuses = []
    with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
        for number in range(REPORTS_EACH):
            photo = photos[(reporter + number) % len(photos)]
            for _ in range(REPORT_ATTEMPTS):
                answer = client.post(
                    "/p/report",
                    data={
                        "kind": ReportKind.counterfeit.value,
                        "message": f"Tem lạ, báo cáo {reporter}-{number}",
                        "path": f"/01/{demo.gtin}/10/{demo.lot}",
                    },
                    files={"photo": ("tem.jpg", photo, "image/jpeg")},
                )
                if answer.status_code != 503:
                    break
                time.sleep(float(answer.headers["retry-after"]))
            statuses.append(answer.status_code)
    return statuses


def _capture(url: str, agency_key: str, document: bytes) -> list[int]:
    headers = {"Authorization": f"Bearer {agency_key}", "Content-Type": "application/json"}
    with httpx.Client(base_url=url, headers=headers, timeout=LOAD_DEADLINE_SECONDS) as client:
        return [client.post("/epcis/capture", content=document).status_code]


def _import(url: str, workbook: bytes) -> list[int]:
    with httpx.Client(base_url=url, timeout=LOAD_DEADLINE_SECONDS) as browser:
        token = CSRF.search(browser.get("/login").text)
        assert token is not None
        signed_in = browser.post(
            "/login",
            data={
                "csrf_token": token.group(1),
                "email": ENTERPRISES[0].email,
                "password": DEMO_PASSWORD,
            },
        )
        token = CSRF.search(browser.get("/portal/products/import").text)
        assert token is not None
        imported = browser.post(
            "/portal/products/import",
            data={"csrf_token": token.group(1)},
            files={"file": ("san-pham.xlsx", workbook, "application/octet-stream")},
        )
        return [signed_in.status_code, imported.status_code]


@pytest.mark.slow
def test_health_answers_within_200_ms_while_heavy_work_runs(served: Served) -> None:
    kind, server, demo, agency_key = served.kind, served.server, served.demo, served.agency_key
    photos = [_photo(width, height) for width, height in PHOTO_SIZES]
    workbook = _workbook(IMPORT_ROWS)
    document = _capture_document(demo.gtin)
    with HealthPoller(server.url) as idle:
        time.sleep(BASELINE_SECONDS)
    outcomes = Outcomes()
    started = time.monotonic()
    with HealthPoller(server.url) as loaded:
        for reporter in range(REPORTERS):
            outcomes.run(
                f"reports-{reporter}",
                lambda r=reporter: _send_reports(server.url, r, photos, demo),  # type: ignore[misc]
            )
        outcomes.run("capture", lambda: _capture(server.url, agency_key, document))
        outcomes.run("import", lambda: _import(server.url, workbook))
        outcomes.wait(LOAD_DEADLINE_SECONDS)
    took = time.monotonic() - started
    lag = _lag_buckets(server.url)
    print(
        f"\n[{kind}] /healthz p99: {idle.p99() * 1000:.1f} ms idle ({len(idle.seconds)} polls), "
        f"{loaded.p99() * 1000:.1f} ms under load ({len(loaded.seconds)} polls, "
        f"max {max(loaded.seconds) * 1000:.1f} ms, load took {took:.1f} s)"
    )
    print(f"[{kind}] event-loop lag (seconds: wakes at most that late): {lag}")
    late = sorted(loaded.seconds)[-10:]
    print(f"[{kind}] slowest /healthz: {[round(x * 1000) for x in late]}")
    expected = {
        **{f"reports-{r}": [303] * REPORTS_EACH for r in range(REPORTERS)},
        "capture": [202],
        "import": [303, 303],
    }
    assert outcomes.statuses == expected, (outcomes.statuses, server.log()[-1500:])
    assert idle.failures == loaded.failures == 0
    assert loaded.p99() < HEALTH_P99_SECONDS


def _events(document: dict[str, Any]) -> list[Any]:
    events: list[Any] = document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    return events


@pytest.mark.slow
def test_work_refused_in_a_worker_process_answers_as_in_the_server(served: Served) -> None:
    """Captures, single events and report photos are checked in worker processes: what they
    refuse comes back as the same problem and nothing is stored; what they store is there."""
    server = served.server
    headers = {"Authorization": f"Bearer {served.agency_key}", "Content-Type": "application/json"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
        before = client.get("/epcis/events", params={"perPage": "1000"}).json()
        document = {"type": "EPCISDocument", "epcisBody": {"eventList": [{"x": 1}]}}
        refused = client.post("/epcis/capture", content=json.dumps(document))
        not_an_event = client.post("/epcis/events", content=json.dumps(document))
        after = client.get("/epcis/events", params={"perPage": "1000"}).json()
        one = json.loads(_capture_document(served.demo.gtin, events=1))
        event = {"@context": one["@context"], **one["epcisBody"]["eventList"][0]}
        created = client.post("/epcis/events", content=json.dumps(event))
        found = client.get(created.headers.get("location", "/none"))
    with httpx.Client(base_url=server.url, timeout=60) as browser:
        report = browser.post(
            "/p/report",
            data={"kind": ReportKind.counterfeit.value, "message": "Ảnh hỏng"},
            files={"photo": ("tem.jpg", b"\xff\xd8not a jpeg", "image/jpeg")},
            headers={"Accept": "application/json"},
        )
    assert refused.status_code == 400, refused.text
    problem = refused.json()
    assert problem["type"] == "epcisException:ValidationException"
    assert problem["errors"] and all(e["message_vi"] and e["message_en"] for e in problem["errors"])
    assert not_an_event.status_code == 400, not_an_event.text
    assert "/epcis/capture" in not_an_event.json()["message_en"]
    assert _events(after) == _events(before)
    assert created.status_code == 201, created.text
    assert found.status_code == 200 and found.json()["eventID"] == created.json()["eventID"]
    assert report.status_code == 422, report.text
    assert report.json()["errors"][0]["field"] == "photo"
