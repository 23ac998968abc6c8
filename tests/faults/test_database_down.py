"""With the database unreachable, requests that need it answer 503 with Retry-After and a
bilingual message (what a load balancer and a phone can act on), never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from registry.gs1 import gs1_check_digit
from registry.settings import Settings
from service.app import create_app

# Nothing listens on the discard port: every connection attempt is refused at once.
UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:9/none"
GTIN_BODY = "0893452100000"
GTIN = GTIN_BODY + gs1_check_digit(GTIN_BODY)


@pytest.mark.parametrize(
    ("path", "headers", "kind"),
    [
        (f"/01/{GTIN}/10/LOT1", {"accept": "application/json"}, "application/problem+json"),
        (f"/01/{GTIN}", {"accept": "text/html"}, "text/html"),
        ("/api/v1/products", {"x-api-key": "tx_000000000000_x"}, "application/problem+json"),
    ],
)
def test_requests_answer_503_while_the_database_is_unreachable(
    path: str, headers: dict[str, str], kind: str
) -> None:
    settings = Settings(database_url=UNREACHABLE, secret_key="faults")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        answer = client.get(path, headers=headers, follow_redirects=False)
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"] == "5"
        if path.startswith("/01/"):
            # A web app resolving codes from another origin can read why, and retry.
            assert answer.headers["access-control-allow-origin"] == "*"
        assert answer.headers["content-type"].split(";")[0] == kind
        if kind == "text/html":  # the friendly page a phone shows, in Vietnamese first
            assert "Cơ sở dữ liệu tạm thời không phản hồi" in answer.text
            assert "503" in answer.text
        else:
            body = answer.json()
            assert body["status"] == 503
            assert body["message_en"].startswith("The database is temporarily unavailable")
            assert "Cơ sở dữ liệu" in body["message_vi"]
        assert client.get("/readyz").status_code == 503
        assert client.get("/healthz").status_code == 200
