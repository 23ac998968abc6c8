"""Values the database would refuse (numbers out of range, control characters, overlong
text) are refused first, as input errors naming the field, and nothing is stored."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.certificates.models import Certificate
from registry.events.models import EpcisEvent
from registry.locations.models import Location
from registry.lots.models import Lot
from registry.reports.models import ConsumerReport
from service import ratelimit
from tests import factories

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Records:
    lot: Lot
    location: Location
    headers: dict[str, str]
    email: str


@pytest.fixture
def records(db_session: Session) -> Records:
    enterprise = factories.make_enterprise(db_session)
    lot = factories.make_lot(
        db_session, product=factories.make_product(db_session, enterprise=enterprise)
    )
    location = factories.make_location(db_session, enterprise=enterprise)
    user = factories.make_user(db_session, enterprise=enterprise)
    return Records(
        lot, location, factories.api_headers(db_session, enterprise=enterprise), user.email
    )


def _stored(session: Session, record: Any) -> dict[str, Any]:
    session.expire_all()
    fresh = session.get(type(record), record.id)
    return {column.key: getattr(fresh, column.key) for column in type(record).__table__.columns}


def _assert_problem(answer: Any, field: str, *words: str) -> None:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problems = {problem["field"]: problem for problem in answer.json()["errors"]}
    assert field in problems, answer.json()
    for word in words:
        assert word in problems[field]["message_en"], problems[field]
        assert word in problems[field]["message_vi"], problems[field]


@pytest.mark.parametrize(
    ("record", "body", "field", "words"),
    [
        ("lot", {"quantity": 1e20}, "quantity", ["1000000000"]),
        ("lot", {"quantity": "1e20"}, "quantity", ["1000000000"]),
        ("lot", {"quantity": -1}, "quantity", ["0"]),
        ("lot", {"quantity": 1.0001}, "quantity", ["3"]),
        ("lot", {"quantity": "NaN"}, "quantity", []),
        ("lot", {"unit": "KILOGRAM"}, "unit", ["3"]),
        ("location", {"name": "x\u0000"}, "name", ["U+0000"]),
        ("location", {"name": "Kho\u0007"}, "name", ["U+0007"]),
        ("location", {"address": "Ấp\u001b[31m 2"}, "address", ["U+001B"]),
        ("location", {"address": "\ud800"}, "address", []),
        # A right-to-left override would show "Kho Ấp 2" reordered on pages and dossiers.
        ("location", {"name": "Kho \u202e2 pẤ"}, "name", ["U+202E"]),
        ("location", {"address": "Ấp\u2067 2"}, "address", ["U+2067"]),
        ("location", {"address": "x" * 501}, "address", ["500"]),
        ("location", {"latitude": 1e308}, "latitude", ["90"]),
        ("location", {"longitude": -1e308}, "longitude", ["180"]),
    ],
)
def test_a_patch_the_database_would_refuse_is_refused_first(
    client: TestClient,
    db_session: Session,
    records: Records,
    record: str,
    body: dict[str, Any],
    field: str,
    words: list[str],
) -> None:
    stored = getattr(records, record)
    before = _stored(db_session, stored)
    # Sent as JSON text with escapes: a lone surrogate cannot be encoded as UTF-8.
    answer = client.patch(
        f"/api/v1/{record}s/{stored.id}",
        content=json.dumps(body),
        headers={**records.headers, "Content-Type": "application/json"},
    )
    _assert_problem(answer, field, *words)
    assert _stored(db_session, stored) == before


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_nested_and_step_values_are_refused_with_their_path(
    client: TestClient, db_session: Session, records: Records
) -> None:
    events = _count(db_session, EpcisEvent)
    lot, place = records.lot.id, records.location.id
    answer = client.post(
        "/api/v1/pallets",
        json={"location_id": place, "contents": [{"lot_id": lot, "quantity": 1e20}]},
        headers=records.headers,
    )
    _assert_problem(answer, "contents.0.quantity", "1000000000")
    answer = client.post(
        f"/api/v1/lots/{lot}/harvest",
        json={"location_id": place, "harvested_on": "2026-01-01", "quantity": 5, "unit": "K\0G"},
        headers=records.headers,
    )
    _assert_problem(answer, "unit", "U+0000")
    answer = client.post(
        f"/api/v1/lots/{lot}/ship",
        json={"from_location_id": place, "to_gln": "8" * 10_000},
        headers=records.headers,
    )
    _assert_problem(answer, "to_gln", "32")
    assert _count(db_session, EpcisEvent) == events


def test_a_certificate_with_a_huge_star_count_is_refused(
    client: TestClient, db_session: Session, records: Records
) -> None:
    answer = client.post(
        "/api/v1/certificates",
        json={
            "kind": "vietgap",
            "number": "VG-1",
            "issuer": "Sở NN&MT",
            "valid_from": "2026-01-01",
            "stars": 10**12,
        },
        headers=records.headers,
    )
    _assert_problem(answer, "stars", "5")
    assert _count(db_session, Certificate) == 0


def _signed_in(client: TestClient, email: str) -> None:
    ratelimit.reset()
    answer = client.post(
        "/api/v1/auth/login", json={"email": email, "password": factories.PASSWORD}
    )
    assert answer.status_code == 200, answer.text


def test_a_portal_form_with_a_nul_character_comes_back_saying_so(
    client: TestClient, db_session: Session, records: Records
) -> None:
    _signed_in(client, records.email)
    path = f"/portal/locations/{records.location.id}"
    form = client.get(path)
    token = _CSRF.search(form.text)
    assert token, form.text
    before = _stored(db_session, records.location)
    answer = client.post(
        path,
        data={"csrf_token": token.group(1), "name": "Kho\x00", "kind": "farm"},
        headers={"Accept": "text/html"},
        follow_redirects=False,
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert "U+0000" in answer.text and 'value="Kho"' in answer.text
    assert _stored(db_session, records.location) == before


def test_a_portal_lot_quantity_out_of_range_is_refused(
    client: TestClient, db_session: Session, records: Records
) -> None:
    _signed_in(client, records.email)
    form = client.get("/portal/lots/new")
    token = _CSRF.search(form.text)
    assert token, form.text
    lots = _count(db_session, Lot)
    answer = client.post(
        "/portal/lots/new",
        data={
            "csrf_token": token.group(1),
            "product_id": str(records.lot.product_id),
            "code": "BIG1",
            "quantity": "2.000.000.000",
            "unit": "KGM",
        },
        headers={"Accept": "text/html"},
        follow_redirects=False,
    )
    assert answer.status_code in (400, 422), answer.text
    assert "1.000.000.000" in answer.text
    assert _count(db_session, Lot) == lots


def test_a_consumer_report_with_a_control_character_is_refused(
    client: TestClient, db_session: Session
) -> None:
    reports = _count(db_session, ConsumerReport)
    answer = client.post(
        "/p/report",
        data={"kind": "quality", "message": "Hỏng\x00"},
        headers={"Accept": "text/html"},
        follow_redirects=False,
    )
    assert answer.status_code == 422
    assert "U+0000" in answer.text
    assert _count(db_session, ConsumerReport) == reports
