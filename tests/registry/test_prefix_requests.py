"""Prefixes are granted, never taken: enterprises request them with evidence, officers
grant or refuse, and nothing is issued under a prefix before the grant. Each attack from
issue 15 ends in a problem answer with the database unchanged."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.audit.models import AuditEntry
from registry.enterprises.models import Enterprise
from registry.locations.models import Location
from registry.prefixes.models import CompanyPrefix, PrefixRequest
from registry.prefixes.service import MAX_PENDING_REQUESTS, MAX_REQUESTS_PER_WINDOW
from registry.products.models import Product
from registry.settings import Settings
from service.state import AppState
from tests.factories import (
    api_headers,
    make_enterprise,
    make_prefix,
    prefix_request_body,
)

SAIGON_BEER = "8934588"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def app_state(app_state: AppState, settings: Settings, data_dir: Path) -> AppState:
    app_state.settings = settings.model_copy(update={"data_dir": data_dir})
    return app_state


def _rows(session: Session) -> dict[str, int]:
    """What an attack must leave as it found it."""
    return {
        model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
        for model in (CompanyPrefix, PrefixRequest, Product, Location, Enterprise)
    }


def _problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    problem: dict[str, Any] = answer.json()
    assert problem["message_vi"] and problem["message_en"], problem
    return problem


def _consumer_page(client: TestClient, gtin14: str) -> Any:
    return client.get(f"/01/{gtin14}", headers={"accept": "text/html"}, follow_redirects=True)


def test_an_enterprise_cannot_take_a_brand_prefix(client: TestClient, db_session: Session) -> None:
    """Attack: POST /prefixes {"prefix": "8934588"}, then Bia Sài Gòn under it."""
    squatter = make_enterprise(db_session, prefix=False)
    headers = api_headers(db_session, enterprise=squatter)
    before = _rows(db_session)

    taken = client.post("/api/v1/prefixes", json={"prefix": SAIGON_BEER}, headers=headers)
    problem = _problem(taken, 403)
    assert "prefix-requests" in problem["message_en"]
    fake = client.post(
        "/api/v1/products",
        json={"gtin": "8934588012341", "name_vi": "Bia Sài Gòn (giả)"},
        headers=headers,
    )
    _problem(fake, 422)
    assert _rows(db_session) == before
    page = _consumer_page(client, "08934588012341")
    assert page.status_code == 404
    assert "đã được xác minh" not in page.text


def test_a_request_issues_nothing_until_an_officer_grants_it(
    client: TestClient, db_session: Session
) -> None:
    enterprise = make_enterprise(db_session, prefix=False)
    headers = api_headers(db_session, enterprise=enterprise)
    agency = api_headers(db_session, role=Role.agency)

    asked = client.post(
        "/api/v1/prefix-requests", json=prefix_request_body("8934677"), headers=headers
    )
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert request["status"] == "pending" and request["has_certificate_scan"]
    assert request["company_prefix_id"] is None

    before = _rows(db_session)
    for body in ({"name_vi": "Trà"}, {"name_vi": "Trà", "gtin": "8934677000014"}):
        _problem(client.post("/api/v1/products", json=body, headers=headers), 422)
    farm = {"name": "Vườn", "kind": "farm", "ward_code": "28360"}
    _problem(client.post("/api/v1/locations", json=farm, headers=headers), 422)
    assert _rows(db_session) == before
    assert client.get("/api/v1/prefixes", headers=headers).json()["total"] == 0

    # The enterprise cannot grant its own request; another enterprise does not see it.
    own_grant = client.post(
        f"/api/v1/prefix-requests/{request['id']}/grant", json={}, headers=headers
    )
    _problem(own_grant, 403)
    stranger = api_headers(db_session, enterprise=make_enterprise(db_session, prefix=False))
    assert (
        client.get(f"/api/v1/prefix-requests/{request['id']}", headers=stranger).status_code == 404
    )
    scan_path = f"/api/v1/prefix-requests/{request['id']}/certificate-scan"
    assert client.get(scan_path, headers=stranger).status_code == 404
    for who in (headers, agency):
        scan = client.get(scan_path, headers=who)
        assert scan.status_code == 200 and scan.content[:3] == b"\xff\xd8\xff"

    granted = client.post(
        f"/api/v1/prefix-requests/{request['id']}/grant",
        json={"reason": "Đã đối chiếu bản gốc"},
        headers=agency,
    )
    assert granted.status_code == 200, granted.text
    assert granted.json()["prefix"] == "8934677"
    product = client.post("/api/v1/products", json={"name_vi": "Trà"}, headers=headers)
    assert product.status_code == 201, product.text
    assert product.json()["gtin"].startswith("08934677")
    decided = client.get(f"/api/v1/prefix-requests/{request['id']}", headers=headers).json()
    assert decided["status"] == "granted"
    assert decided["company_prefix_id"] == granted.json()["id"]
    audit = db_session.scalar(
        select(AuditEntry).where(
            AuditEntry.entity == "prefix_request",
            AuditEntry.entity_id == str(request["id"]),
            AuditEntry.action == "grant",
        )
    )
    assert audit is not None and audit.after is not None
    assert audit.after["reason"] == "Đã đối chiếu bản gốc" and audit.actor != "system"

    again = client.post(f"/api/v1/prefix-requests/{request['id']}/grant", json={}, headers=agency)
    _problem(again, 409)


def test_a_pending_enterprise_claims_nothing_and_the_agency_pool_still_comes_first(
    client: TestClient, db_session: Session
) -> None:
    """Attack: a pending enterprise claimed 8934673 and 893600004; the agency's pool entry
    for 893600004 then failed with 409."""
    pending = make_enterprise(db_session, verified=False, prefix=False)
    headers = api_headers(db_session, enterprise=pending)
    agency = api_headers(db_session, role=Role.agency)
    admin = api_headers(db_session, role=Role.admin)

    for prefix in ("8934673", "893600004"):
        _problem(client.post("/api/v1/prefixes", json={"prefix": prefix}, headers=headers), 403)
    claims = [
        client.post("/api/v1/prefix-requests", json=prefix_request_body(p), headers=headers)
        for p in ("8934673", "893600004")
    ]
    assert [c.status_code for c in claims] == [201, 201], [c.text for c in claims]
    before = _rows(db_session)
    # Refused for its status (pending) before the prefix is even looked at.
    _problem(
        client.post(
            "/api/v1/products", json={"name_vi": "X", "gtin": "8934673000016"}, headers=headers
        ),
        403,
    )
    assert _rows(db_session) == before
    assert (
        db_session.scalar(
            select(func.count())
            .select_from(CompanyPrefix)
            .where(CompanyPrefix.enterprise_id == pending.id)
        )
        == 0
    )

    pool = client.post("/api/v1/prefixes/pool", json={"prefix": "893600004"}, headers=admin)
    assert pool.status_code == 201, pool.text
    before = _rows(db_session)
    refused = client.post(
        f"/api/v1/prefix-requests/{claims[1].json()['id']}/grant", json={}, headers=agency
    )
    problem = _problem(refused, 409)
    assert "893600004" in problem["message_vi"]
    assert _rows(db_session) == before
    still = client.get(f"/api/v1/prefix-requests/{claims[1].json()['id']}", headers=agency).json()
    assert still["status"] == "pending"
    rejected = client.post(
        f"/api/v1/prefix-requests/{claims[1].json()['id']}/reject",
        json={"reason": "Tiền tố thuộc kho của Chi cục"},
        headers=agency,
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"


def _scans(data_dir: Path) -> list[Path]:
    return sorted(data_dir.rglob("*.jpg"))


def test_conflicting_and_incomplete_requests_are_refused(
    client: TestClient, db_session: Session, data_dir: Path
) -> None:
    holder = make_enterprise(db_session, prefix=False)
    agency = api_headers(db_session, role=Role.agency)
    # 8937… lies in no range of known length, so a prefix there may nest in another.
    granted = {"prefix": "893712345", "enterprise_id": holder.id, "reason": "Giấy GS1"}
    assert client.post("/api/v1/prefixes", json=granted, headers=agency).status_code == 201
    first = api_headers(db_session, enterprise=make_enterprise(db_session, prefix=False))
    second = api_headers(db_session, enterprise=make_enterprise(db_session, prefix=False))
    asked = client.post(
        "/api/v1/prefix-requests", json=prefix_request_body("89354321"), headers=first
    )
    assert asked.status_code == 201, asked.text

    before, scans = _rows(db_session), _scans(data_dir)
    refusals = {
        "granted": (prefix_request_body("893712345"), second, 409),
        "nested in a granted one": (prefix_request_body("8937123456"), second, 409),
        "over a granted one": (prefix_request_body("8937123"), second, 409),
        "requested by someone else": (prefix_request_body("89354321"), second, 409),
        "asked twice": (prefix_request_body("89354321"), first, 409),
        "restricted circulation": (prefix_request_body("2001234"), second, 422),
        "not Vietnam": (prefix_request_body("8851234"), second, 422),
        "wrong length for its range": (prefix_request_body("8935123"), second, 422),
        "no licence number": (prefix_request_body("8934674", licence_number=""), second, 422),
        "no scan": (prefix_request_body("8934674", certificate_scan=None), second, 422),
        "scan not an image": (
            prefix_request_body(
                "8934674", certificate_scan=base64.b64encode(b"%PDF-1.4 x").decode()
            ),
            second,
            422,
        ),
        "scan not base64": (prefix_request_body("8934674", certificate_scan="***"), second, 422),
        "expired licence": (
            prefix_request_body(
                "8934674", licence_valid_from="2019-01-01", licence_valid_until="2020-01-01"
            ),
            second,
            422,
        ),
        "unknown field": (prefix_request_body("8934674", verified=True), second, 422),
    }
    for name, (body, headers, status) in refusals.items():
        answer = client.post("/api/v1/prefix-requests", json=body, headers=headers)
        assert answer.status_code == status, (name, answer.text)
        assert answer.json()["message_vi"] and answer.json()["message_en"], name
    assert _rows(db_session) == before
    assert _scans(data_dir) == scans  # a refused request keeps no evidence file


def test_a_prefix_over_a_granted_one_is_refused(client: TestClient, db_session: Session) -> None:
    """A 7-digit request that would cover a granted 9- or 10-digit prefix in its range."""
    holder = make_enterprise(db_session, prefix=False)
    agency = api_headers(db_session, role=Role.agency)
    recorded = client.post(
        "/api/v1/prefixes",
        json={"prefix": "8934675", "enterprise_id": holder.id, "reason": "Giấy GS1"},
        headers=agency,
    )
    assert recorded.status_code == 201, recorded.text
    other = api_headers(db_session, enterprise=make_enterprise(db_session, prefix=False))
    before = _rows(db_session)
    same = client.post(
        "/api/v1/prefix-requests", json=prefix_request_body("8934675"), headers=other
    )
    assert "đã được cấp" in _problem(same, 409)["message_vi"]
    assert _rows(db_session) == before


def test_squatting_by_volume_is_rate_limited_per_enterprise(
    client: TestClient, db_session: Session
) -> None:
    squatter = make_enterprise(db_session, verified=False, prefix=False)
    headers = api_headers(db_session, enterprise=squatter)
    agency = api_headers(db_session, role=Role.agency)
    prefixes = iter(f"8934{n:03d}" for n in range(700, 800))
    for _ in range(MAX_PENDING_REQUESTS):
        answer = client.post(
            "/api/v1/prefix-requests", json=prefix_request_body(next(prefixes)), headers=headers
        )
        assert answer.status_code == 201, answer.text
    before = _rows(db_session)
    too_many = client.post(
        "/api/v1/prefix-requests", json=prefix_request_body(next(prefixes)), headers=headers
    )
    assert "đang chờ" in _problem(too_many, 429)["message_vi"]
    pool = client.post("/api/v1/prefix-requests", json={"source": "pool"}, headers=headers)
    _problem(pool, 429)
    assert _rows(db_session) == before

    # Refused requests still count towards the day's limit.
    sent = MAX_PENDING_REQUESTS
    for waiting in client.get("/api/v1/prefix-requests", headers=headers).json()["items"]:
        client.post(
            f"/api/v1/prefix-requests/{waiting['id']}/reject",
            json={"reason": "Sai"},
            headers=agency,
        )
    while sent < MAX_REQUESTS_PER_WINDOW:
        answer = client.post(
            "/api/v1/prefix-requests", json=prefix_request_body(next(prefixes)), headers=headers
        )
        assert answer.status_code == 201, answer.text
        reject = client.post(
            f"/api/v1/prefix-requests/{answer.json()['id']}/reject",
            json={"reason": "Sai"},
            headers=agency,
        )
        assert reject.status_code == 200
        sent += 1
    before = _rows(db_session)
    day = client.post(
        "/api/v1/prefix-requests", json=prefix_request_body(next(prefixes)), headers=headers
    )
    assert "24" in _problem(day, 429)["message_en"]
    assert _rows(db_session) == before
    # Another enterprise is not held back by this one.
    other = api_headers(db_session, enterprise=make_enterprise(db_session, prefix=False))
    assert (
        client.post("/api/v1/prefix-requests", json={"source": "pool"}, headers=other).status_code
        == 201
    )


def test_a_refusal_carries_a_reason_the_enterprise_sees(
    client: TestClient, db_session: Session
) -> None:
    enterprise = make_enterprise(db_session, prefix=False)
    headers = api_headers(db_session, enterprise=enterprise)
    agency = api_headers(db_session, role=Role.agency)
    asked = client.post(
        "/api/v1/prefix-requests", json=prefix_request_body("8934676"), headers=headers
    ).json()
    path = f"/api/v1/prefix-requests/{asked['id']}/reject"
    before = _rows(db_session)
    _problem(client.post(path, json={"reason": "  "}, headers=agency), 422)
    assert _rows(db_session) == before
    answer = client.post(
        path, json={"reason": "Giấy chứng nhận đứng tên công ty khác"}, headers=agency
    )
    assert answer.status_code == 200, answer.text
    seen = client.get(f"/api/v1/prefix-requests/{asked['id']}", headers=headers).json()
    assert seen["status"] == "rejected"
    assert seen["decision_reason"] == "Giấy chứng nhận đứng tên công ty khác"
    _problem(
        client.post(f"/api/v1/prefix-requests/{asked['id']}/grant", json={}, headers=agency), 409
    )
    entry = db_session.scalar(
        select(AuditEntry).where(
            AuditEntry.entity == "prefix_request", AuditEntry.action == "reject"
        )
    )
    assert entry is not None and entry.after is not None
    assert entry.after["reason"] == "Giấy chứng nhận đứng tên công ty khác"


def test_a_pool_request_is_granted_from_the_pool(client: TestClient, db_session: Session) -> None:
    enterprise = make_enterprise(db_session, prefix=False)
    headers = api_headers(db_session, enterprise=enterprise)
    agency = api_headers(db_session, role=Role.agency)
    admin = api_headers(db_session, role=Role.admin)
    asked = client.post("/api/v1/prefix-requests", json={"source": "pool"}, headers=headers)
    assert asked.status_code == 201, asked.text
    _problem(client.post("/api/v1/prefix-requests", json={"source": "pool"}, headers=headers), 409)
    grant_path = f"/api/v1/prefix-requests/{asked.json()['id']}/grant"
    before = _rows(db_session)
    empty = client.post(grant_path, json={}, headers=agency)
    assert _problem(empty, 409)["type"].endswith("exhausted")
    assert _rows(db_session) == before
    assert (
        client.post(
            "/api/v1/prefixes/pool", json={"prefix": "893620002"}, headers=admin
        ).status_code
        == 201
    )
    granted = client.post(grant_path, json={"reason": "Hợp tác xã mới"}, headers=agency)
    assert granted.status_code == 200, granted.text
    assert granted.json()["prefix"] == "893620002"
    assert granted.json()["enterprise_id"] == enterprise.id
    seen = client.get(f"/api/v1/prefix-requests/{asked.json()['id']}", headers=headers).json()
    assert seen["status"] == "granted" and seen["prefix"] == "893620002"


def test_the_factory_grants_so_existing_worlds_still_issue_codes(db_session: Session) -> None:
    enterprise = make_enterprise(db_session, prefix=False)
    prefix = make_prefix(db_session, enterprise=enterprise)
    assert prefix.enterprise_id == enterprise.id
    entry = db_session.scalar(
        select(AuditEntry).where(
            AuditEntry.entity == "company_prefix", AuditEntry.entity_id == str(prefix.id)
        )
    )
    assert entry is not None and entry.action == "grant"
