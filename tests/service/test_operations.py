"""Health, readiness, metrics, request ids and security headers."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from registry.settings import Settings
from service.app import create_app
from tests.metrics import Scrape, metric_value


def test_health_ready_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    client.get("/api/v1/admin-units", params={"q": "cai be"})
    metrics = client.get("/metrics").text
    assert 'truyxuat_requests_total{method="GET",route="/api/v1/admin-units",status="200"}' in (
        metrics
    )
    assert "truyxuat_request_seconds_bucket" in metrics


def test_readiness_fails_while_the_database_is_unreachable() -> None:
    settings = Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:9/none")
    with TestClient(create_app(settings)) as client:
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert answer.json()["message_en"] == "The database does not answer."
        assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("path", ["/", "/healthz", "/api/v1/products", "/khong-co"])
def test_every_answer_has_security_headers_and_a_request_id(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert len(answer.headers["x-request-id"]) == 16


def test_a_browser_that_is_not_signed_in_is_sent_to_sign_in(client: TestClient) -> None:
    answer = client.get(
        "/agency/?period=2026-Q3", headers={"Accept": "text/html"}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/agency/%3Fperiod%3D2026-Q3"
    api = client.get("/api/v1/products", headers={"Accept": "text/html"})
    assert api.status_code == 401, "API clients keep the problem answer"


def test_a_blocked_event_loop_shows_in_the_lag_metric(client: TestClient) -> None:
    def blocked_over_quarter_second() -> float:
        scrape = Scrape(client)
        total = scrape.value("truyxuat_event_loop_lag_seconds_count")
        return total - scrape.value("truyxuat_event_loop_lag_seconds_bucket", le="0.25")

    before = blocked_over_quarter_second()
    # Called on the event loop's own thread: nothing else runs for 0.4 s.
    client.portal.call(time.sleep, 0.4)
    deadline = time.monotonic() + 2
    while blocked_over_quarter_second() == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert blocked_over_quarter_second() > before
    assert metric_value(client, "truyxuat_event_loop_lag_seconds_count") > 0
