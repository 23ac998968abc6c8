"""The Chinese product name and the exporter's China registration number through the API:
stored as given, returned, audited; too long or holding a control character, refused with
nothing stored."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.audit.models import AuditEntry
from registry.enterprises.models import Enterprise
from registry.products.models import Product
from tests.factories import api_headers, make_enterprise, make_product


def test_product_keeps_its_chinese_name(client: TestClient, db_session: Session) -> None:
    enterprise = make_enterprise(db_session)
    headers = api_headers(db_session, enterprise=enterprise)
    body = {"name_vi": "Sầu riêng Ri6", "name_zh": "Ri6 榴莲"}
    made = client.post("/api/v1/products", json=body, headers=headers)
    assert made.status_code == 201, made.text
    assert made.json()["name_zh"] == "Ri6 榴莲"
    url = f"/api/v1/products/{made.json()['id']}"
    changed = client.patch(url, json={"name_zh": "越南榴莲"}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert client.get(url, headers=headers).json()["name_zh"] == "越南榴莲"
    found = client.get("/api/v1/products", params={"q": "越南"}, headers=headers).json()
    assert [item["id"] for item in found["items"]] == [made.json()["id"]]
    for bad in ("榴" * 301, "榴莲\x07"):
        refused = client.patch(url, json={"name_zh": bad}, headers=headers)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "name_zh"
    db_session.expire_all()
    assert db_session.get_one(Product, made.json()["id"]).name_zh == "越南榴莲"


def test_enterprise_china_registration_number(client: TestClient, db_session: Session) -> None:
    enterprise = make_enterprise(db_session)
    other = make_enterprise(db_session)
    make_product(db_session, enterprise=enterprise)
    headers = api_headers(db_session, enterprise=enterprise)
    url = f"/api/v1/enterprises/{enterprise.id}"
    number = "CVNM0123456789012"
    changed = client.patch(url, json={"china_registration_number": number}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert client.get(url, headers=headers).json()["china_registration_number"] == number
    audited = db_session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity == "enterprise", AuditEntry.entity_id == str(enterprise.id)
        )
    ).all()
    assert any("china_registration_number" in (entry.after or {}) for entry in audited)
    for bad in ("9" * 65, "CVNM\x1b[2J"):
        refused = client.patch(url, json={"china_registration_number": bad}, headers=headers)
        assert refused.status_code == 422, refused.text
    foreign = client.patch(
        f"/api/v1/enterprises/{other.id}", json={"china_registration_number": "X"}, headers=headers
    )
    assert foreign.status_code == 404
    db_session.expire_all()
    assert db_session.get_one(Enterprise, enterprise.id).china_registration_number == number
    assert db_session.get_one(Enterprise, other.id).china_registration_number is None
