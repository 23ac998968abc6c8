"""A partner's web application may call the EPCIS interface from its own origin with its
API key: the browser's preflight of a POST is answered by the interface (not the resolver's
GET-only answer), and never invites the browser to send the registry's cookies."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.events.conftest import load, official_examples

PARTNER = "https://partner.example"


@pytest.mark.parametrize("path", ["/epcis/capture", "/epcis/events"])
def test_preflight_of_a_post_is_allowed_without_credentials(client: TestClient, path: str) -> None:
    answer = client.options(
        path,
        headers={
            "Origin": PARTNER,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert answer.status_code == 204, answer.text
    assert "POST" in answer.headers["access-control-allow-methods"]
    allowed = answer.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in answer.headers


def test_read_only_resources_do_not_offer_post(client: TestClient) -> None:
    answer = client.options("/epcis/eventTypes", headers={"Origin": PARTNER})
    assert answer.status_code == 204
    assert "POST" not in answer.headers["access-control-allow-methods"]


def test_the_capture_answer_is_readable_cross_origin(
    client: TestClient, agency_headers: dict[str, str]
) -> None:
    document = load(official_examples()[0])
    answer = client.post(
        "/epcis/capture", json=document, headers={**agency_headers, "Origin": PARTNER}
    )
    assert answer.status_code == 202, answer.text
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "Location" in answer.headers["access-control-expose-headers"]
