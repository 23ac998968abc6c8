"""Codes over the API, read-only and scoped: an enterprise reads its own locations'
codes and history, another enterprise's answer as missing; an officer reads all."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from registry.accounts.models import KeyScope, Role
from tests.factories import api_headers, make_enterprise
from tests.market_codes.conftest import World


def test_an_enterprise_reads_its_codes_and_no_one_elses(
    client: TestClient, db_session: Session, world: World
) -> None:
    own = api_headers(db_session, enterprise=world.product.enterprise)
    other = api_headers(db_session, enterprise=make_enterprise(db_session))
    officer = api_headers(db_session, role=Role.agency, scope=KeyScope.read)

    listing = client.get("/api/v1/market-codes", headers=own).json()
    assert {c["code"] for c in listing} == {world.area_code.code, world.packhouse_code.code}
    area = next(c for c in listing if c["code"] == world.area_code.code)
    assert area["approvals"][0]["market"] == "CN" and area["approvals"][0]["status"] == "active"
    assert area["area_ha"] == "2.5000" and area["households"] == 3

    assert client.get("/api/v1/market-codes", headers=other).json() == []
    url = f"/api/v1/market-codes/{world.area_code.id}"
    assert client.get(url, headers=other).status_code == 404
    assert client.get(f"{url}/history", headers=other).status_code == 404
    history = client.get(f"{url}/history", headers=own).json()
    assert {h["what"] for h in history} == {"created", "status"}

    everything = client.get(
        "/api/v1/market-codes", params={"location_id": world.area.id}, headers=officer
    )
    assert [c["code"] for c in everything.json()] == [world.area_code.code]
    assert client.post("/api/v1/market-codes", headers=own, json={}).status_code == 405
