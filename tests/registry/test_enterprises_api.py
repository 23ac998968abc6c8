"""Enterprises through the API: sign-up, verification, scoping, bad input."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.audit.models import AuditEntry
from registry.enterprises.models import Enterprise
from tests.factories import WARD_CAI_BE, api_headers, make_enterprise, unique_tax_code


def _sign_up_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "tax_code": unique_tax_code(),
        "legal_name": "Hợp tác xã Xoài Mỹ Lương",
        "kind": "cooperative",
        "ward_code": WARD_CAI_BE,
        "address": "Ấp Mỹ Hòa",
        "account_email": "chu.nhiem@myluong.vn",
        "account_password": "xoai-cat-hoa-loc",
    }
    body.update(overrides)
    return body


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_sign_up_waits_for_verification_then_agency_verifies(
    client: TestClient, db_session: Session
) -> None:
    answer = client.post("/api/v1/enterprises/sign-up", json=_sign_up_body())
    assert answer.status_code == 201, answer.text
    enterprise = answer.json()
    assert enterprise["status"] == "pending"

    login = client.post(
        "/api/v1/auth/login", json={"email": "chu.nhiem@myluong.vn", "password": "xoai-cat-hoa-loc"}
    )
    assert login.status_code == 200
    me = client.get("/api/v1/auth/me").json()
    assert me["enterprise_id"] == enterprise["id"]
    own = client.post(f"/api/v1/enterprises/{enterprise['id']}/verify")
    assert own.status_code == 403
    assert own.json()["message_en"].startswith("Only agency staff")

    agency = api_headers(db_session, role=Role.agency)
    verified = client.post(f"/api/v1/enterprises/{enterprise['id']}/verify", headers=agency)
    assert verified.status_code == 200
    assert verified.json()["status"] == "verified"
    actions = db_session.scalars(
        select(AuditEntry.action).where(AuditEntry.enterprise_id == enterprise["id"])
    ).all()
    assert "register" in actions and "verify" in actions


def test_invalid_tax_code_names_the_field_in_both_languages_and_writes_nothing(
    client: TestClient, db_session: Session
) -> None:
    before = _count(db_session, Enterprise)
    answer = client.post("/api/v1/enterprises/sign-up", json=_sign_up_body(tax_code="0312345679"))
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["errors"][0]["field"] == "tax_code"
    assert problem["message_vi"] and problem["message_en"]
    assert problem["message_vi"] != problem["message_en"]
    assert _count(db_session, Enterprise) == before


def test_duplicate_tax_code_is_a_conflict(client: TestClient, db_session: Session) -> None:
    existing = make_enterprise(db_session)
    db_session.flush()
    answer = client.post(
        "/api/v1/enterprises/sign-up",
        json=_sign_up_body(tax_code=existing.tax_code, account_email="x@y.vn"),
    )
    assert answer.status_code == 409
    assert answer.json()["errors"][0]["field"] == "tax_code"


def test_unknown_ward_is_refused(client: TestClient) -> None:
    answer = client.post("/api/v1/enterprises/sign-up", json=_sign_up_body(ward_code="99999"))
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "ward_code"


def test_superseded_ward_points_to_its_successor(client: TestClient, db_session: Session) -> None:
    from registry.places.models import AdminUnit

    old = db_session.scalar(
        select(AdminUnit).where(AdminUnit.valid_until.is_not(None), AdminUnit.level != "province")
    )
    assert old is not None, "the shipped data holds superseded units"
    answer = client.post("/api/v1/enterprises/sign-up", json=_sign_up_body(ward_code=old.code))
    assert answer.status_code == 422
    assert old.successor_codes[0] in answer.json()["message_en"]


def test_enterprise_sees_only_itself(client: TestClient, db_session: Session) -> None:
    mine = make_enterprise(db_session)
    other = make_enterprise(db_session)
    headers = api_headers(db_session, enterprise=mine)
    assert client.get(f"/api/v1/enterprises/{mine.id}", headers=headers).status_code == 200
    hidden = client.get(f"/api/v1/enterprises/{other.id}", headers=headers)
    missing = client.get("/api/v1/enterprises/987654321", headers=headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["message_en"] == missing.json()["message_en"]
    listing = client.get("/api/v1/enterprises", headers=headers).json()
    assert [item["id"] for item in listing["items"]] == [mine.id]


def test_agency_lists_and_filters(client: TestClient, db_session: Session) -> None:
    make_enterprise(db_session, verified=False, legal_name="Hộ kinh doanh Chờ Duyệt")
    headers = api_headers(db_session, role=Role.agency)
    pending = client.get(
        "/api/v1/enterprises", params={"status": "pending", "q": "Chờ Duyệt"}, headers=headers
    ).json()
    assert pending["total"] == 1
    assert pending["items"][0]["legal_name"] == "Hộ kinh doanh Chờ Duyệt"


def test_reject_needs_a_reason(client: TestClient, db_session: Session) -> None:
    enterprise = make_enterprise(db_session, verified=False)
    headers = api_headers(db_session, role=Role.agency)
    url = f"/api/v1/enterprises/{enterprise.id}/reject"
    assert client.post(url, json={"reason": " "}, headers=headers).status_code == 422
    done = client.post(url, json={"reason": "Mã số thuế không khớp"}, headers=headers)
    assert done.json()["status"] == "rejected"


def test_anonymous_gets_401_problem(client: TestClient) -> None:
    answer = client.get("/api/v1/products")
    assert answer.status_code == 401
    assert answer.json()["type"].endswith("unauthorized")


def test_browser_gets_a_page_for_errors(client: TestClient) -> None:
    answer = client.get("/khong-co-trang-nay/x/y", headers={"Accept": "text/html"})
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy" in answer.text
