"""Prefixes, products, locations, lots and certificates through the API."""

from __future__ import annotations

import datetime as dt
from functools import partial

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.actor import SYSTEM
from registry.errors import Exhausted
from registry.gs1 import has_valid_check_digit, parse_gtin
from registry.locations.service import gln_in_use
from registry.lots.models import Lot
from registry.prefixes.service import (
    allocate_gln,
    allocate_gtin,
    gtin_for_reference,
    record_granted_prefix,
)
from registry.products.models import Product
from registry.products.service import gtin_in_use
from tests.factories import (
    api_headers,
    make_enterprise,
    make_location,
    make_lot,
    make_product,
)


def test_products_get_sequential_valid_gtins_from_the_prefix(
    client: TestClient, db_session: Session
) -> None:
    enterprise = make_enterprise(db_session)
    headers = api_headers(db_session, enterprise=enterprise)
    gtins = []
    for name in ("Xoài cát Hòa Lộc", "Xoài sấy dẻo"):
        answer = client.post("/api/v1/products", json={"name_vi": name}, headers=headers)
        assert answer.status_code == 201, answer.text
        gtins.append(answer.json()["gtin"])
    prefix = client.get("/api/v1/prefixes", headers=headers).json()["items"][0]["prefix"]
    for gtin in gtins:
        assert len(gtin) == 14 and has_valid_check_digit(gtin)
        assert gtin[1:].startswith(prefix)
        assert parse_gtin(gtin).gtin13 == gtin[1:]
    assert int(gtins[1][1:13]) == int(gtins[0][1:13]) + 1


def test_requested_item_reference_and_entered_gtin(client: TestClient, db_session: Session) -> None:
    enterprise = make_enterprise(db_session)
    headers = api_headers(db_session, enterprise=enterprise)
    asked = client.post(
        "/api/v1/products", json={"name_vi": "Trà sen", "item_reference": 42}, headers=headers
    ).json()
    assert asked["gtin"][-4:-1] == "042"
    wrong_check = asked["gtin"][:-1] + str((int(asked["gtin"][-1]) + 1) % 10)
    refused = client.post(
        "/api/v1/products", json={"name_vi": "X", "gtin": wrong_check}, headers=headers
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "gtin"
    duplicate = client.post(
        "/api/v1/products", json={"name_vi": "X", "gtin": asked["gtin"]}, headers=headers
    )
    assert duplicate.status_code == 409
    foreign = client.post(
        "/api/v1/products", json={"name_vi": "X", "gtin": "8934563138165"}, headers=headers
    )
    assert foreign.status_code == 422
    assert "prefix" in foreign.json()["message_en"]


def test_next_allocation_skips_a_number_taken_explicitly(db_session: Session) -> None:
    gtins_taken = partial(gtin_in_use, db_session)
    enterprise = make_enterprise(db_session, prefix=False)
    prefix = record_granted_prefix(
        db_session, actor=SYSTEM, enterprise=enterprise, prefix="8931999999"
    )
    make_product(db_session, enterprise=enterprise)
    taken = gtin_for_reference(prefix, 1)
    db_session.add(Product(enterprise_id=enterprise.id, gtin=taken, name_vi="tay"))
    db_session.flush()
    assert allocate_gtin(db_session, prefix=prefix, in_use=gtins_taken)[-3:-1] == "02"


def test_exhausted_prefix_is_a_clear_conflict(db_session: Session, client: TestClient) -> None:
    gtins_taken = partial(gtin_in_use, db_session)
    glns_taken = partial(gln_in_use, db_session)
    enterprise = make_enterprise(db_session, prefix=False)
    prefix = record_granted_prefix(
        db_session, actor=SYSTEM, enterprise=enterprise, prefix="8931888888"
    )
    assert prefix.capacity == 100
    gtins = {allocate_gtin(db_session, prefix=prefix, in_use=gtins_taken) for _ in range(60)}
    glns = {allocate_gln(db_session, prefix=prefix, in_use=glns_taken) for _ in range(40)}
    assert len(gtins) == 60 and len(glns) == 40
    assert not {g[1:] for g in gtins} & glns, "a GLN and a GTIN never share a number"
    try:
        allocate_gtin(db_session, prefix=prefix, in_use=gtins_taken)
    except Exhausted as exc:
        assert "8931888888" in exc.message_en and "8931888888" in exc.message_vi
    else:
        raise AssertionError("allocation past the capacity must fail")
    headers = api_headers(db_session, enterprise=enterprise)
    before = db_session.scalar(select(func.count()).select_from(Product))
    answer = client.post("/api/v1/products", json={"name_vi": "Hết mã"}, headers=headers)
    assert answer.status_code == 409
    assert answer.json()["type"].endswith("exhausted")
    assert db_session.scalar(select(func.count()).select_from(Product)) == before


def test_prefix_rules_when_an_officer_records_a_licence(
    client: TestClient, db_session: Session
) -> None:
    enterprise = make_enterprise(db_session, prefix=False)
    agency = api_headers(db_session, role=Role.agency)

    def record(prefix: str) -> Response:
        body = {"prefix": prefix, "enterprise_id": enterprise.id, "reason": "Giấy GS1 bản gốc"}
        return client.post("/api/v1/prefixes", json=body, headers=agency)

    for bad in ("2001234", "8935123", "89312"):
        answer = record(bad)
        assert answer.status_code == 422, bad
        assert answer.json()["errors"][0]["field"] == "prefix"
    assert record("89351230").status_code == 201
    overlap = record("893512301")
    assert overlap.status_code in (409, 422)


def test_pool_assignment(client: TestClient, db_session: Session) -> None:
    admin = api_headers(db_session, role=Role.admin)
    agency = api_headers(db_session, role=Role.agency)
    enterprise = make_enterprise(db_session, prefix=False)
    assert (
        client.post(
            "/api/v1/prefixes/pool", json={"prefix": "893620001"}, headers=agency
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/prefixes/pool", json={"prefix": "893620001"}, headers=admin
        ).status_code
        == 201
    )
    assigned = client.post(
        "/api/v1/prefixes/assign",
        json={"enterprise_id": enterprise.id, "reason": "Hợp tác xã mới"},
        headers=agency,
    )
    assert assigned.status_code == 201
    assert assigned.json()["enterprise_id"] == enterprise.id
    empty = client.post(
        "/api/v1/prefixes/assign",
        json={"enterprise_id": enterprise.id, "prefix_length": 9},
        headers=agency,
    )
    assert empty.status_code == 409


def test_another_enterprises_product_answers_404(client: TestClient, db_session: Session) -> None:
    mine, theirs = make_enterprise(db_session), make_enterprise(db_session)
    product = make_product(db_session, enterprise=theirs)
    headers = api_headers(db_session, enterprise=mine)
    assert client.get(f"/api/v1/products/{product.id}", headers=headers).status_code == 404
    patch = client.patch(
        f"/api/v1/products/{product.id}", json={"name_vi": "Hack"}, headers=headers
    )
    assert patch.status_code == 404
    lot = client.post(
        "/api/v1/lots", json={"product_id": product.id, "code": "A1"}, headers=headers
    )
    assert lot.status_code == 404
    agency = api_headers(db_session, role=Role.agency)
    assert client.get(f"/api/v1/products/{product.id}", headers=agency).status_code == 200


def test_lot_code_with_diacritics_gets_an_ascii_suggestion(
    client: TestClient, db_session: Session
) -> None:
    enterprise = make_enterprise(db_session)
    product = make_product(db_session, enterprise=enterprise)
    headers = api_headers(db_session, enterprise=enterprise)
    before = db_session.scalar(select(func.count()).select_from(Lot))
    answer = client.post(
        "/api/v1/lots", json={"product_id": product.id, "code": "Lô Xoài-01"}, headers=headers
    )
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["errors"][0]["field"] == "code"
    assert "Lo-Xoai-01" in problem["message_en"] or "Lo Xoai-01" in problem["message_en"]
    assert db_session.scalar(select(func.count()).select_from(Lot)) == before


def test_duplicate_lot_and_date_order(client: TestClient, db_session: Session) -> None:
    enterprise = make_enterprise(db_session)
    product = make_product(db_session, enterprise=enterprise)
    make_lot(db_session, product=product, code="XHL-01")
    headers = api_headers(db_session, enterprise=enterprise)
    duplicate = client.post(
        "/api/v1/lots", json={"product_id": product.id, "code": "XHL-01"}, headers=headers
    )
    assert duplicate.status_code == 409
    backwards = client.post(
        "/api/v1/lots",
        json={
            "product_id": product.id,
            "code": "XHL-02",
            "production_on": "2026-11-20",
            "expiry_on": "2026-11-01",
        },
        headers=headers,
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "expiry_on"


def test_locations_get_glns_and_validate_coordinates(
    client: TestClient, db_session: Session
) -> None:
    enterprise = make_enterprise(db_session)
    headers = api_headers(db_session, enterprise=enterprise)
    farm = client.post(
        "/api/v1/locations",
        json={
            "name": "Vườn xoài",
            "kind": "farm",
            "ward_code": "28360",
            "latitude": 10.34,
            "longitude": 106.03,
        },
        headers=headers,
    )
    assert farm.status_code == 201, farm.text
    assert has_valid_check_digit(farm.json()["gln"]) and len(farm.json()["gln"]) == 13
    bad = client.post(
        "/api/v1/locations",
        json={"name": "X", "kind": "farm", "latitude": 95, "longitude": 106},
        headers=headers,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "latitude"


def test_certificates_ocop_stars(client: TestClient, db_session: Session) -> None:
    enterprise = make_enterprise(db_session)
    product = make_product(db_session, enterprise=enterprise)
    headers = api_headers(db_session, enterprise=enterprise)
    body = {
        "kind": "ocop",
        "number": "OCOP-1",
        "issuer": "UBND tỉnh",
        "valid_from": str(dt.date.today()),
        "product_id": product.id,
    }
    assert (
        client.post("/api/v1/certificates", json={**body, "stars": 6}, headers=headers).status_code
        == 422
    )
    created = client.post("/api/v1/certificates", json={**body, "stars": 4}, headers=headers)
    assert created.status_code == 201
    listed = client.get(
        "/api/v1/certificates", params={"product_id": product.id}, headers=headers
    ).json()
    assert listed["total"] == 1 and listed["items"][0]["stars"] == 4


def test_pagination(client: TestClient, db_session: Session) -> None:
    enterprise = make_enterprise(db_session)
    for _ in range(5):
        make_product(db_session, enterprise=enterprise)
    location = make_location(db_session, enterprise=enterprise)
    assert location.gln
    headers = api_headers(db_session, enterprise=enterprise)
    first = client.get("/api/v1/products", params={"per_page": 2}, headers=headers).json()
    third = client.get(
        "/api/v1/products", params={"per_page": 2, "page": 3}, headers=headers
    ).json()
    assert first["total"] == 5 and first["pages"] == 3
    assert len(first["items"]) == 2 and len(third["items"]) == 1
    too_many = client.get("/api/v1/products", params={"per_page": 5000}, headers=headers)
    assert too_many.status_code == 422


def test_admin_units_search_without_accents(client: TestClient) -> None:
    found = client.get("/api/v1/admin-units", params={"q": "vinh kim"}).json()
    assert any(item["name"] == "Vĩnh Kim" for item in found["items"])


def test_null_for_a_field_every_record_has_is_refused_and_changes_nothing(
    client: TestClient, db_session: Session
) -> None:
    """Found by the API fuzzer: PATCH {"address": null} was applied, then failed as a 500."""
    enterprise = make_enterprise(db_session)
    product = make_product(db_session, enterprise=enterprise)
    location = make_location(db_session, enterprise=enterprise)
    headers = api_headers(db_session, enterprise=enterprise)
    records = {
        f"/api/v1/enterprises/{enterprise.id}": ("legal_name", "kind", "address"),
        f"/api/v1/products/{product.id}": ("name_vi", "status"),
        f"/api/v1/locations/{location.id}": ("name", "kind", "address"),
    }
    for path, fields in records.items():
        before = client.get(path, headers=headers).json()
        for field in fields:
            answer = client.patch(path, json={field: None}, headers=headers)
            assert answer.status_code in (400, 422), (path, field, answer.text)
            problem = answer.json()
            assert problem["message_vi"] and problem["message_en"], problem
            assert field in answer.text, problem
        assert client.get(path, headers=headers).json() == before
        # Left out, a field stays as it is; a value still changes it.
        assert client.patch(path, json={}, headers=headers).json() == before
