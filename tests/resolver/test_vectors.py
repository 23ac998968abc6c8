"""Every Digital Link of the independent test vectors, asked of the app as a path."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from registry.gs1 import parse_digital_link
from registry.locations.models import Location, LocationKind
from registry.products.models import Product
from tests.resolver.conftest import World
from tests.testdata import load_json

CASES = load_json("vectors", "digital-link-cases.json")["cases"]
# Only the scheme is wrong in these; a request path carries no scheme, so their
# path is a valid Digital Link and nothing about it can be answered with 400.
NOT_EXPRESSIBLE_AS_PATH = {"mixed_scheme"}
# A resolver may read these leniently and redirect to the strict form (DESIGN §3).
LENIENT = {"gtin13", "gtin12", "trailing_slash"}


def request_target(uri: str) -> str:
    """Path and query from the primary key on (any path stem before it dropped)."""
    parts = urlsplit(uri)
    segments = parts.path.split("/")
    start = next(i for i, s in enumerate(segments) if s in {"01", "414", "00"} and i > 0)
    path = "/" + "/".join(segments[start:])
    return path + (f"?{parts.query}" if parts.query else "")


INVALID = [c for c in CASES if not c["valid"] and c["made_as"] not in NOT_EXPRESSIBLE_AS_PATH]
VALID = [c for c in CASES if c["valid"]]


def test_the_vectors_are_what_we_expect() -> None:
    assert len(INVALID) == 114 and len(VALID) == 120


def test_invalid_cases_answer_400_or_the_lenient_redirect(client: TestClient) -> None:
    failures = []
    for case in INVALID:
        target = request_target(case["uri"])
        response = client.get(target, follow_redirects=False)
        if case["made_as"] == "trailing_slash":
            without = client.get(target.replace("/?", "?").rstrip("/"), follow_redirects=False)
            ok = response.status_code == without.status_code and response.headers.get(
                "location"
            ) == without.headers.get("location")
        elif case["made_as"] in LENIENT and response.status_code in (301, 308):
            strict = parse_digital_link(response.headers["location"])
            ok = len(strict.primary[1]) == 14
        else:
            ok = response.status_code == 400
        if not ok:
            failures.append((case["made_as"], target, response.status_code))
    assert failures == []


def test_valid_cases_resolve_when_registered(
    client: TestClient, db_session: Session, world: World
) -> None:
    gtins = {
        parse_digital_link(c["uri"]).primary[1]
        for c in VALID
        if parse_digital_link(c["uri"]).primary[0] == "01"
    }
    glns = {
        parse_digital_link(c["uri"]).primary[1]
        for c in VALID
        if parse_digital_link(c["uri"]).primary[0] == "414"
    }
    registered = sorted(gtins)[: len(gtins) // 2]
    for gtin in registered:
        db_session.add(Product(enterprise_id=world.enterprise.id, gtin=gtin, name_vi="Mẫu"))
    for gln in glns:
        db_session.add(
            Location(
                enterprise_id=world.enterprise.id, gln=gln, name="Kho", kind=LocationKind.warehouse
            )
        )
    db_session.flush()
    outcomes = []
    for case in VALID:
        link = parse_digital_link(case["uri"])
        response = client.get(request_target(case["uri"]), follow_redirects=False)
        known = link.primary[1] in registered or link.primary[0] == "414"
        expected = 307 if known else 404
        if response.status_code != expected:
            outcomes.append((case["uri"], response.status_code, expected))
    assert outcomes == []


@pytest.mark.parametrize(
    "case", [c for c in VALID if "?" in c["uri"]][:5], ids=lambda c: c["uri"][-30:]
)
def test_attributes_are_passed_on(
    client: TestClient, db_session: Session, world: World, case: dict
) -> None:
    link = parse_digital_link(case["uri"])
    if link.primary[0] != "01":
        pytest.skip("only GTINs carry attributes here")
    db_session.add(Product(enterprise_id=world.enterprise.id, gtin=link.primary[1], name_vi="M"))
    db_session.flush()
    target = request_target(case["uri"])
    response = client.get(target, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"].endswith("?" + target.split("?", 1)[1])
