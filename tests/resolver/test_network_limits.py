"""Per-network rate limits: a market stall of phones passes, a machine is stopped with
429 (problem JSON and Retry-After, or a page for a browser), and what it sent beyond
the limit is neither counted as a scan nor stored as a report."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.reports.models import ConsumerReport
from registry.scans.models import Scan
from registry.settings import Settings
from service.ratelimit import Buckets, Rate
from tests.resolver.conftest import BASE, World

PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36"


def _scans_of(session: Session, serial: str) -> int:
    return session.scalar(select(func.count()).where(Scan.serial == serial)) or 0


def _reports(session: Session) -> int:
    return session.scalar(select(func.count(ConsumerReport.id))) or 0


def test_a_scan_flood_from_one_network_gets_429_and_is_not_counted(
    stall: TestClient, app: FastAPI, settings: Settings, world: World, db_session: Session
) -> None:
    serial = world.serials[0]
    path = world.path(lot=world.lot, serial=serial)
    allowed = settings.resolver_requests_per_minute
    statuses = [
        stall.get(
            path,
            headers={"user-agent": f"{PHONE} {n}", "accept": "application/json"},
            follow_redirects=False,
        ).status_code
        for n in range(allowed)
    ]
    assert statuses == [307] * allowed  # a busy stall: every shopper served
    refused = stall.get(path, headers={"accept": "application/json"}, follow_redirects=False)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["access-control-allow-origin"] == "*"
    problem = refused.json()
    assert "mạng" in problem["message_vi"] and "network" in problem["message_en"]
    browser = stall.get(path, headers={"accept": "text/html", "accept-language": "en"})
    assert browser.status_code == 429 and int(browser.headers["retry-after"]) >= 1
    assert "Please wait" in browser.text and "<html" in browser.text
    app.state.scan_recorder.flush()
    assert _scans_of(db_session, serial) == allowed
    # Another network is not held back by the stall's flood.
    with TestClient(app, base_url=BASE, client=("192.0.2.10", 1)) as other:
        assert other.get(path, follow_redirects=False).status_code == 307


def test_the_consumer_page_has_its_own_limit_and_a_page_in_vietnamese(
    stall: TestClient, settings: Settings, world: World
) -> None:
    page = "/p" + world.path(lot=world.lot)
    for _ in range(settings.page_requests_per_minute):
        assert stall.get(page, headers={"accept": "text/html"}).status_code == 200
    refused = stall.get(page, headers={"accept": "text/html", "accept-language": "vi"})
    assert refused.status_code == 429 and refused.headers["retry-after"]
    assert "Xin đợi một chút" in refused.text
    # The resolver's own budget is untouched.
    assert stall.get(world.path(lot=world.lot), follow_redirects=False).status_code == 307


def test_forwarded_for_from_an_untrusted_peer_is_ignored(
    stall: TestClient, settings: Settings
) -> None:
    allowed = settings.verify_requests_per_minute
    uri = "https://id.gs1.org/01/08934521000008"
    statuses = [
        stall.get(
            "/api/v1/verify",
            params={"uri": uri},
            headers={"x-forwarded-for": f"10.{n}.{n}.1"},
        ).status_code
        for n in range(allowed + 1)
    ]
    assert statuses[-1] == 429 and 429 not in statuses[:allowed]


def test_forwarded_for_from_the_trusted_proxy_names_the_network(
    via_proxy: TestClient, settings: Settings
) -> None:
    allowed = settings.verify_requests_per_minute
    uri = "https://id.gs1.org/01/08934521000008"

    def verify(client_address: str) -> int:
        return via_proxy.get(
            "/api/v1/verify",
            params={"uri": uri},
            headers={"x-forwarded-for": f"10.9.9.9, {client_address}"},
        ).status_code

    # Many networks behind the proxy: each within its own limit.
    assert {verify(f"10.{n}.0.1") for n in range(allowed + 5)} <= {200, 404}
    # One network behind it: its own limit, whatever it puts before its address.
    assert {verify(f"10.200.0.{n}") for n in range(allowed)} <= {200, 404}
    refused = via_proxy.get(
        "/api/v1/verify",
        params={"uri": uri},
        headers={"x-forwarded-for": "10.200.0.77"},
    )
    assert refused.status_code == 429 and refused.headers["retry-after"]
    assert refused.headers["content-type"] == "application/problem+json"


def test_a_report_flood_with_rotating_agents_stops_at_the_limit(
    stall: TestClient, settings: Settings, world: World, db_session: Session
) -> None:
    before = _reports(db_session)
    data = {"kind": "counterfeit", "message": "Hàng giả", "path": world.path()}
    statuses = [
        stall.post(
            "/p/report",
            data=data,
            headers={"user-agent": f"{PHONE} {n}", "accept": "application/json"},
            follow_redirects=False,
        ).status_code
        for n in range(30)
    ]
    allowed = settings.reports_per_hour
    assert statuses == [303] * allowed + [429] * (30 - allowed)
    assert _reports(db_session) == before + allowed
    browser = stall.post(
        "/p/report", data=data, headers={"accept": "text/html", "accept-language": "en"}
    )
    assert browser.status_code == 429 and "Please wait" in browser.text
    assert int(browser.headers["retry-after"]) > 60  # reports refill over an hour
    assert _reports(db_session) == before + allowed


def test_buckets_refill_evenly() -> None:
    buckets = Buckets(Rate(3, 60))
    assert [buckets.take("a", now=0) for _ in range(3)] == [0.0] * 3
    assert buckets.take("a", now=0) == pytest.approx(20.0)
    assert buckets.take("a", now=20) == 0.0  # one request back every 20 s
    assert buckets.take("a", now=21) == pytest.approx(19.0)
    assert buckets.take("b", now=21) == 0.0
