"""Identity changes are reviewed: a verified enterprise's legal name, tax code and kind
change only when an officer approves; until then every page shows the verified identity."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.audit.models import AuditEntry
from registry.enterprises.models import Enterprise, IdentityChange
from tests.factories import (
    api_headers,
    make_enterprise,
    make_lot,
    make_product,
    unique_tax_code,
)

FAKE_NAME = "Công ty Cổ phần Sữa Việt Nam — Vinamilk"


def _identity(session: Session, enterprise_id: int) -> tuple[str, str, str]:
    session.expire_all()
    row = session.get(Enterprise, enterprise_id)
    assert row is not None
    return row.legal_name, row.tax_code, row.kind.value


def _consumer_text(client: TestClient, gtin: str, lot: str) -> str:
    page = client.get(
        f"/01/{gtin}/10/{lot}", headers={"accept": "text/html"}, follow_redirects=True
    )
    assert page.status_code == 200, page.text
    return page.text


def test_renaming_a_verified_enterprise_waits_for_an_officer(
    client: TestClient, db_session: Session
) -> None:
    """Attack: PATCH /enterprises/1 {"legal_name": "… Vinamilk"} kept `verified` and the
    consumer page showed the new name."""
    enterprise = make_enterprise(db_session)
    product = make_product(db_session, enterprise=enterprise)
    lot = make_lot(db_session, product=product)
    headers = api_headers(db_session, enterprise=enterprise)
    agency = api_headers(db_session, role=Role.agency)
    verified = _identity(db_session, enterprise.id)

    answer = client.patch(
        f"/api/v1/enterprises/{enterprise.id}",
        json={"legal_name": FAKE_NAME, "phone": "02773999999"},
        headers=headers,
    )
    assert answer.status_code == 202, answer.text
    body: dict[str, Any] = answer.json()
    assert body["legal_name"] == verified[0] and body["status"] == "verified"
    assert body["phone"] == "02773999999"  # contact details change at once
    change = body["pending_identity_change"]
    assert change["legal_name"] == FAKE_NAME and change["status"] == "pending"

    assert _identity(db_session, enterprise.id) == verified
    assert (
        client.get(f"/api/v1/enterprises/{enterprise.id}", headers=headers).json()["legal_name"]
        == verified[0]
    )
    listed = client.get("/api/v1/enterprises", headers=agency, params={"q": verified[1]}).json()
    assert [item["legal_name"] for item in listed["items"]] == [verified[0]]
    page = _consumer_text(client, product.gtin, lot.code)
    assert verified[0] in page and "Vinamilk" not in page

    # The enterprise cannot approve its own change.
    own = client.post(f"/api/v1/identity-changes/{change['id']}/approve", json={}, headers=headers)
    assert own.status_code == 403 and own.json()["message_vi"]
    assert _identity(db_session, enterprise.id) == verified

    refused = client.post(
        f"/api/v1/identity-changes/{change['id']}/reject",
        json={"reason": "Không có quyết định đổi tên của Sở Tài chính"},
        headers=agency,
    )
    assert refused.status_code == 200, refused.text
    seen = client.get(f"/api/v1/identity-changes/{change['id']}", headers=headers).json()
    assert seen["status"] == "rejected"
    assert seen["decision_reason"] == "Không có quyết định đổi tên của Sở Tài chính"
    assert _identity(db_session, enterprise.id) == verified
    assert (
        client.get(f"/api/v1/enterprises/{enterprise.id}", headers=headers).json()[
            "pending_identity_change"
        ]
        is None
    )


def test_an_approved_change_takes_effect_everywhere(
    client: TestClient, db_session: Session
) -> None:
    enterprise = make_enterprise(db_session)
    headers = api_headers(db_session, enterprise=enterprise)
    agency = api_headers(db_session, role=Role.agency)
    new_tax_code = unique_tax_code()
    first = client.patch(
        f"/api/v1/enterprises/{enterprise.id}",
        json={"legal_name": "Hợp tác xã Xoài Mới"},
        headers=headers,
    )
    assert first.status_code == 202
    # A second edit extends the same waiting change.
    second = client.patch(
        f"/api/v1/enterprises/{enterprise.id}",
        json={"tax_code": new_tax_code, "kind": "company"},
        headers=headers,
    )
    assert second.status_code == 202, second.text
    change = second.json()["pending_identity_change"]
    assert change["id"] == first.json()["pending_identity_change"]["id"]
    assert (change["legal_name"], change["tax_code"], change["kind"]) == (
        "Hợp tác xã Xoài Mới",
        new_tax_code,
        "company",
    )
    queue = client.get("/api/v1/identity-changes", params={"status": "pending"}, headers=agency)
    assert change["id"] in [item["id"] for item in queue.json()["items"]]

    approved = client.post(
        f"/api/v1/identity-changes/{change['id']}/approve",
        json={"reason": "Đã xem giấy đăng ký mới"},
        headers=agency,
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["legal_name"] == "Hợp tác xã Xoài Mới"
    assert _identity(db_session, enterprise.id) == ("Hợp tác xã Xoài Mới", new_tax_code, "company")
    again = client.post(f"/api/v1/identity-changes/{change['id']}/approve", json={}, headers=agency)
    assert again.status_code == 409
    decisions = db_session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.entity == "enterprise_identity_change",
            AuditEntry.entity_id == str(change["id"]),
        )
    ).all()
    assert sorted(decisions) == ["approve_identity", "propose_identity", "propose_identity"]


def test_bad_identity_changes_are_refused_and_change_nothing(
    client: TestClient, db_session: Session
) -> None:
    enterprise = make_enterprise(db_session)
    other = make_enterprise(db_session)
    headers = api_headers(db_session, enterprise=enterprise)
    verified = _identity(db_session, enterprise.id)
    path = f"/api/v1/enterprises/{enterprise.id}"
    for body, status in (
        ({"tax_code": "0312345678"}, 422),  # wrong check digit
        ({"tax_code": other.tax_code}, 409),
        ({"legal_name": "   "}, 422),
        ({"kind": "corporation"}, 422),
        ({"status": "verified"}, 422),
    ):
        answer = client.patch(path, json=body, headers=headers)
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["message_vi"] and answer.json()["message_en"]
    assert _identity(db_session, enterprise.id) == verified
    assert db_session.scalar(select(IdentityChange.id)) is None
    # The same values as now are no change at all.
    same = client.patch(path, json={"legal_name": verified[0]}, headers=headers)
    assert same.status_code == 200 and same.json()["pending_identity_change"] is None


def test_an_enterprise_not_yet_verified_edits_its_identity_directly(
    client: TestClient, db_session: Session
) -> None:
    enterprise = make_enterprise(db_session, verified=False, prefix=False)
    headers = api_headers(db_session, enterprise=enterprise)
    new_tax_code = unique_tax_code()
    answer = client.patch(
        f"/api/v1/enterprises/{enterprise.id}",
        json={"legal_name": "Hộ kinh doanh Ba Sáu", "tax_code": new_tax_code},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    assert _identity(db_session, enterprise.id)[:2] == ("Hộ kinh doanh Ba Sáu", new_tax_code)
