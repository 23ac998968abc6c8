"""Every page the app advertises answers: the EPCIS root, the favicon, robots.txt, a
unique operation id for every operation, and an immediate 404 for unknown paths."""

from __future__ import annotations

import io
import warnings
from urllib.robotparser import RobotFileParser

import pytest
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from tests.factories import api_headers

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_the_epcis_root_describes_the_interface(client: TestClient, db_session: Session) -> None:
    answer = client.get("/epcis")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["GS1-EPCIS-Version"] == "2.0.0"
    body = answer.json()
    assert body["epcisVersion"] == "2.0.0"
    assert "EPCIS 2.0" in body["description_vi"] and "EPCIS 2.0" in body["description_en"]
    links = body["links"]
    assert links["capture"] == {
        "href": "/epcis/capture",
        "method": "POST",
        "title_vi": "Gửi một tài liệu EPCIS",
        "title_en": "Capture an EPCIS document",
    }
    assert links["openapi"]["href"] == "/api/openapi.json"
    assert links["documentation"]["href"] == "/api/docs"
    # Every link without a {placeholder} leads somewhere an agency key may read.
    headers = api_headers(db_session, role=Role.agency)
    plain = [
        link
        for link in [*links.values(), *links["queries"]]
        if isinstance(link, dict) and "{" not in link["href"] and link["method"] == "GET"
    ]
    assert {link["href"] for link in plain} >= {"/epcis/events", "/epcis/bizSteps"}
    for link in plain:
        followed = client.get(link["href"], headers=headers)
        assert followed.status_code == 200, (link["href"], followed.text[:200])


@pytest.mark.parametrize(
    "path", ["/nothing", "/favicon.png", "/epcis/nothing", "/api/docs/", "/p", "/portal/nothing"]
)
def test_unknown_paths_answer_404_at_once(client: TestClient, path: str) -> None:
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 404, answer.headers.get("location")
    assert answer.headers["content-type"] == "application/problem+json"
    page = client.get(path, headers=BROWSER, follow_redirects=False)
    assert page.status_code == 404
    if path.startswith(("/api/", "/epcis")):  # the APIs answer problem JSON to anyone
        assert page.headers["content-type"] == "application/problem+json"
    else:
        assert page.headers["content-type"].startswith("text/html")
        assert "Không tìm thấy" in page.text


def test_a_favicon_is_served(client: TestClient) -> None:
    answer = client.get("/favicon.ico")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/x-icon"
    icon = Image.open(io.BytesIO(answer.content))
    assert icon.format == "ICO"
    assert (32, 32) in icon.info["sizes"]


def test_robots_allow_consumer_pages_only(client: TestClient) -> None:
    answer = client.get("/robots.txt")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    robots = RobotFileParser()
    robots.parse(answer.text.splitlines())
    base = "https://truyxuat.dongthap.gov.vn"
    assert robots.can_fetch("*", f"{base}/p/01/08935012345678/10/LOT1")
    assert robots.can_fetch("*", f"{base}/")
    for private in ("/portal", "/portal/lots", "/agency/recalls", "/api/v1/products", "/api/docs"):
        assert not robots.can_fetch("*", base + private), private
    assert not robots.can_fetch("*", f"{base}/epcis/events")


def test_every_operation_has_an_operation_id_of_its_own(app: FastAPI) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # FastAPI warns of a duplicate operation id
        document = get_openapi(title=app.title, version=app.version, routes=app.routes)
    assert document["openapi"].startswith("3.1.")
    ids = [
        operation["operationId"]
        for operations in document["paths"].values()
        for operation in operations.values()
    ]
    assert len(ids) == len(set(ids))
    assert {"consumer_page_p__rest__get", "consumer_page_p__rest__head"} <= set(ids)
