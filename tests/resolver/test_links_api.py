"""Enterprises manage their own resolver links; the resolver follows them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.links.models import ResolverLink
from tests.factories import api_headers, make_enterprise, make_product
from tests.resolver.conftest import BASE, World, free_gtin


def test_enterprise_adds_links_and_chooses_one_default(
    client: TestClient, world: World, db_session: Session
) -> None:
    headers = api_headers(db_session, enterprise=world.enterprise)
    lot_anchor = world.path(lot=world.lot)
    first = client.post(
        "/api/v1/links",
        headers=headers,
        json={
            "anchor": BASE + lot_anchor,
            "link_type": "https://gs1.org/voc/instructions",
            "href": "https://xoai.example.vn/huong-dan",
            "title": "Hướng dẫn bảo quản",
            "language": "vi",
            "media_type": "text/html",
            "is_default": True,
        },
    )
    assert first.status_code == 201, first.text
    assert first.json()["link_type"] == "gs1:instructions"
    assert first.json()["level"] == "lot"
    second = client.post(
        "/api/v1/links",
        headers=headers,
        json={
            "anchor": lot_anchor,
            "link_type": "gs1:relatedVideo",
            "href": "https://xoai.example.vn/video",
            "title": "Video",
            "is_default": True,
        },
    )
    assert second.status_code == 201
    listed = client.get("/api/v1/links", headers=headers, params={"anchor": lot_anchor}).json()
    assert [link["is_default"] for link in listed] == [False, True]

    # The lot's default now leads there; a serial of the lot walks up to it.
    for path in (lot_anchor, world.path(lot=world.lot, serial=world.serials[0])):
        response = client.get(path, follow_redirects=False)
        assert response.headers["location"] == "https://xoai.example.vn/video"
    instructions = client.get(lot_anchor + "?linkType=gs1:instructions", follow_redirects=False)
    assert instructions.headers["location"].startswith("https://xoai.example.vn/huong-dan")
    # A warning verdict keeps the consumer on the registry's page whatever was chosen.
    forged = client.get(
        world.path(lot=world.lot, serial=world.never_issued_serial), follow_redirects=False
    )
    assert forged.headers["location"].startswith(f"{BASE}/p/")

    link_id = second.json()["id"]
    patched = client.patch(
        f"/api/v1/links/{link_id}", headers=headers, json={"is_default": False, "title": "Phim"}
    )
    assert patched.status_code == 200 and patched.json()["title"] == "Phim"
    assert client.get(lot_anchor, follow_redirects=False).headers["location"] == (
        f"{BASE}/p{lot_anchor}"
    )
    assert client.delete(f"/api/v1/links/{link_id}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/links/{link_id}", headers=headers).status_code == 404


def test_another_enterprise_sees_nothing(
    client: TestClient, world: World, db_session: Session
) -> None:
    owner = api_headers(db_session, enterprise=world.enterprise)
    other_enterprise = make_enterprise(db_session)
    make_product(db_session, enterprise=other_enterprise)
    other = api_headers(db_session, enterprise=other_enterprise)
    created = client.post(
        "/api/v1/links",
        headers=owner,
        json={
            "anchor": world.path(),
            "link_type": "gs1:homepage",
            "href": "https://xoai.example.vn/",
            "title": "Trang chủ",
        },
    ).json()
    attempt = client.post(
        "/api/v1/links",
        headers=other,
        json={
            "anchor": world.path(),
            "link_type": "gs1:homepage",
            "href": "https://evil.example/",
            "title": "x",
            "is_default": True,
        },
    )
    assert attempt.status_code == 404
    assert client.get(f"/api/v1/links/{created['id']}", headers=other).status_code == 404
    assert (
        client.patch(
            f"/api/v1/links/{created['id']}", headers=other, json={"href": "https://evil.example/"}
        ).status_code
        == 404
    )
    assert client.delete(f"/api/v1/links/{created['id']}", headers=other).status_code == 404
    assert client.get("/api/v1/links", headers=other).json() == []
    agency = api_headers(db_session, role=Role.agency)
    assert len(client.get("/api/v1/links", headers=agency).json()) == 1
    assert client.get("/api/v1/links").status_code == 401


def test_bad_links_are_refused_with_reasons(
    client: TestClient, world: World, db_session: Session
) -> None:
    headers = api_headers(db_session, enterprise=world.enterprise)
    good = {
        "anchor": world.path(),
        "link_type": "gs1:pip",
        "href": "https://a.example/",
        "title": "A",
    }
    for change, field in (
        ({"link_type": "gs1:nosuch"}, "link_type"),
        ({"link_type": "gs1:verificationService"}, "link_type"),
        ({"link_type": "gs1:defaultLink"}, "link_type"),
        ({"href": "javascript:alert(1)"}, "href"),
        ({"href": "ftp://a.example/"}, "href"),
        ({"title": " "}, "title"),
        ({"language": "vietnamese"}, "language"),
        ({"media_type": "html"}, "media_type"),
        ({"anchor": "/01/09506000134353"}, "anchor"),
    ):
        response = client.post("/api/v1/links", headers=headers, json={**good, **change})
        assert response.status_code == 422, change
        body = response.json()
        assert body["errors"][0]["field"] == field
        assert body["message_vi"] and body["message_en"]


def test_a_link_for_an_unregistered_gtin_is_a_404_naming_it(
    client: TestClient, world: World, db_session: Session
) -> None:
    unregistered = free_gtin(db_session)
    body = {"link_type": "gs1:pip", "href": "https://a.example/", "title": "A"}
    before = db_session.scalar(select(func.count()).select_from(ResolverLink))
    for headers in (
        api_headers(db_session, role=Role.admin),
        api_headers(db_session, role=Role.agency),
        api_headers(db_session, enterprise=world.enterprise),
    ):
        for anchor in (f"/01/{unregistered}", f"{BASE}/01/{unregistered}/10/L1"):
            response = client.post(
                "/api/v1/links", headers=headers, json={**body, "anchor": anchor}
            )
            assert response.status_code == 404, response.text
            problem = response.json()
            assert unregistered in problem["message_vi"] and unregistered in problem["message_en"]
            assert problem["errors"][0]["field"] == "anchor"
    # Another enterprise's GTIN answers the same way: its existence is not leaked.
    other = api_headers(db_session, enterprise=make_enterprise(db_session))
    theirs = client.post("/api/v1/links", headers=other, json={**body, "anchor": world.path()})
    assert theirs.status_code == 404 and world.product.gtin in theirs.json()["message_en"]
    assert db_session.scalar(select(func.count()).select_from(ResolverLink)) == before
