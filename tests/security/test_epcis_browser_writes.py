"""A cross-site page cannot write EPCIS events with a signed-in user's cookie.

A form can post `text/plain` to /epcis/capture and /epcis/events from any site, and the
browser attaches the session cookie. Cookie sessions need a JSON body or the session's
CSRF token, and an Origin that is the registry's own; API keys are unaffected.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.events.models import EpcisEvent
from registry.events.steps import CONTEXT, gln_uri, lot_uri
from service import ratelimit
from tests.factories import (
    PASSWORD,
    api_headers,
    epcis_document,
    make_enterprise,
    make_location,
    make_lot,
    make_product,
    make_user,
)

BASE = "https://truyxuat.dongthap.gov.vn"
DAY = (dt.date.today() - dt.timedelta(days=2)).isoformat()


def _event(lot_epc: str, gln: str, minute: int) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": f"{DAY}T08:{minute:02d}:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "storing",
        "quantityList": [{"epcClass": lot_epc}],
        "bizLocation": {"id": gln_uri(gln)},
    }


def _document(event: dict[str, Any]) -> dict[str, Any]:
    return epcis_document(event, day=DAY)


def _count(db_session: Session) -> int:
    return int(db_session.scalar(select(func.count()).select_from(EpcisEvent)) or 0)


def _csrf(client: TestClient) -> str:
    for cookie in client.cookies.jar:
        if cookie.name == "truyxuat_session":
            payload = cookie.value.split(".", 1)[0]
            return str(json.loads(base64.b64decode(payload + "=="))["csrf"])
    raise AssertionError("no session cookie")


@pytest.fixture
def signed_in(db_session: Session, client: TestClient) -> dict[str, Any]:
    enterprise = make_enterprise(db_session)
    lot = make_lot(db_session, product=make_product(db_session, enterprise=enterprise))
    place = make_location(db_session, enterprise=enterprise)
    user = make_user(db_session, enterprise=enterprise)
    db_session.flush()
    ratelimit.reset()
    answer = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {
        "epc": lot_uri(lot),
        "gln": place.gln,
        "key": api_headers(db_session, enterprise=enterprise),
    }


def _post(
    client: TestClient,
    path: str,
    body: dict[str, Any],
    headers: dict[str, str],
) -> Any:
    return client.post(path, content=json.dumps(body).encode(), headers=headers)


ATTACKS = {
    "text/plain from another site": {
        "Content-Type": "text/plain",
        "Origin": "https://evil.example",
    },
    "text/plain from no site at all": {"Content-Type": "text/plain"},
    "text/plain, same origin, no token": {"Content-Type": "text/plain", "Origin": BASE},
    "text/plain, same origin, wrong token": {
        "Content-Type": "text/plain",
        "Origin": BASE,
        "X-CSRF-Token": "guessed",
    },
    "form encoding, same origin": {
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": BASE,
    },
    "JSON from another site": {
        "Content-Type": "application/json",
        "Origin": "https://evil.example",
    },
    "JSON from a look-alike host": {
        "Content-Type": "application/json",
        "Origin": "https://truyxuat.dongthap.gov.vn.evil.example",
    },
    "JSON from a sandboxed frame": {"Content-Type": "application/json", "Origin": "null"},
    "JSON, referer of another site": {
        "Content-Type": "application/json",
        "Referer": "https://evil.example/truyxuat.dongthap.gov.vn",
    },
    "JSON over plain http": {"Content-Type": "application/json", "Origin": BASE.replace("s:", ":")},
}


@pytest.mark.parametrize("path", ["/epcis/capture", "/epcis/events"])
def test_cookie_session_writes_from_elsewhere_are_refused(
    client: TestClient, db_session: Session, signed_in: dict[str, Any], path: str
) -> None:
    event = _event(signed_in["epc"], signed_in["gln"], 1)
    body = _document(event) if path == "/epcis/capture" else {"@context": CONTEXT, **event}
    before = _count(db_session)
    for attack, headers in ATTACKS.items():
        response = _post(client, path, body, headers)
        assert response.status_code == 403, (attack, response.text)
        problem = response.json()
        assert problem["message_vi"] and problem["message_en"], attack
    assert _count(db_session) == before


@pytest.mark.parametrize("path", ["/epcis/capture", "/epcis/events"])
def test_the_registry_own_pages_and_api_keys_still_write(
    client: TestClient, db_session: Session, signed_in: dict[str, Any], path: str
) -> None:
    created = 202 if path == "/epcis/capture" else 201
    allowed = [
        ({"Content-Type": "application/ld+json", "Origin": BASE}, {}),
        ({"Content-Type": "application/json", "Referer": f"{BASE}/portal/lots"}, {}),
        ({"Content-Type": "application/json", "Origin": BASE, "X-CSRF-Token": _csrf(client)}, {}),
        # An API key is not sent by a browser on its own: no Origin needed.
        ({"Content-Type": "application/ld+json", **signed_in["key"]}, {}),
    ]
    for minute, (headers, _) in enumerate(allowed, start=10):
        event = _event(signed_in["epc"], signed_in["gln"], minute)
        body = _document(event) if path == "/epcis/capture" else {"@context": CONTEXT, **event}
        before = _count(db_session)
        response = _post(client, path, body, headers)
        assert response.status_code == created, (headers, response.text)
        assert _count(db_session) == before + 1
