"""Health, readiness, metrics, request ids and security headers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from registry.settings import Settings
from service.app import create_app


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
