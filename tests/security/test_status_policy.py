"""The enterprise status policy at every door: each write route of the app, asked by
enterprise A while it is pending, verified, rejected and suspended.

Allowed: the answer the authorization matrix expects of A. Refused: 403 naming the
status (problem JSON for the API and EPCIS, a page for the portal) and the database
exactly as it was. The route list comes from the app, so a new write route fails
here until it is given a deed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, update

from registry.enterprises.models import Enterprise, EnterpriseStatus
from registry.enterprises.policy import ALLOWED, STATUS_NAMES, Deed, allows
from registry.models import Base
from service import ratelimit
from service.deps import SAFE_METHODS
from service.status_doors import WRITE_DEEDS
from tests.factories import PASSWORD
from tests.security import test_authorization_matrix as authorization
from tests.security.test_authorization_matrix import ROUTES, SESSION, Probing, _ask, _fill
from tests.security.world import BASE

# The authorization matrix's world, built once per database: two enterprises, staff,
# one record of every kind owned by A.
probing = authorization.probing

WRITE_ROUTES = [(method, route) for method, route in ROUTES if method not in SAFE_METHODS]
REASONS = {
    EnterpriseStatus.rejected: "Thiếu giấy phép kinh doanh",
    EnterpriseStatus.suspended: "Vi phạm ghi nhãn",
}
# Reference data (thousands of administrative units) no route of these writes.
REFERENCE_TABLES = {"admin_unit"}
COMPARED_TABLES = [
    table.name for table in Base.metadata.sorted_tables if table.name not in REFERENCE_TABLES
]


@contextmanager
def enterprise_a_in(probing: Probing, status: EnterpriseStatus) -> Iterator[Connection]:
    """A's status set for the block only: a savepoint rolled back afterwards."""
    connection = probing.connection
    savepoint = connection.begin_nested()
    try:
        connection.execute(
            update(Enterprise)
            .where(Enterprise.id == probing.world.enterprise_a.id)
            .values(status=status, status_reason=REASONS.get(status))
        )
        yield connection
    finally:
        savepoint.rollback()


def database_rows(connection: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, every column as the driver reads it, in a stable order:
    what "unchanged" is compared on. Plain SQL on one cursor of the driver, in the test's
    transaction: a snapshot is taken twice per refusal, and building, caching and
    type-processing 40-odd Core selects took half its time; SQLAlchemy's statement
    execution around each plain select still took 3 ms of a snapshot's 3.4 ms (SQLite)
    and 12 of 15 (PostgreSQL)."""
    cursor = connection.connection.cursor()
    try:
        rows: dict[str, list[tuple[Any, ...]]] = {}
        for name in COMPARED_TABLES:
            cursor.execute(f'SELECT * FROM "{name}"')
            rows[name] = sorted(map(tuple, cursor.fetchall()), key=repr)
        return rows
    finally:
        cursor.close()


def test_every_write_route_of_the_app_has_a_deed() -> None:
    listed = set(WRITE_DEEDS)
    routes = set(WRITE_ROUTES)
    assert routes - listed == set(), "write routes missing from service/status_doors.py"
    assert listed - routes == set(), "status_doors.py lists routes that no longer exist"


def test_the_policy_says_what_the_issue_asks() -> None:
    pending, rejected = ALLOWED[EnterpriseStatus.pending], ALLOWED[EnterpriseStatus.rejected]
    assert {Deed.edit_profile, Deed.request_prefix} <= pending
    public_or_issued = {Deed.issue_codes, Deed.print_labels, Deed.record_events, Deed.manage_team}
    assert not pending & public_or_issued
    assert rejected < pending
    assert ALLOWED[EnterpriseStatus.suspended] == {Deed.read}
    assert ALLOWED[EnterpriseStatus.verified] == set(Deed)


def _expected(status: EnterpriseStatus, deed: Deed | None, via: str, allowed_code: int) -> int:
    if deed is None:
        return allowed_code
    deeds = [Deed.sign_in, deed] if via == SESSION else [deed]
    return allowed_code if all(allows(status, d) for d in deeds) else 403


@pytest.mark.parametrize(
    ("method", "route"), WRITE_ROUTES, ids=[f"{m} {r}" for m, r in WRITE_ROUTES]
)
def test_write_route_in_every_status(method: str, route: str, probing: Probing) -> None:
    written, probe = probing.probes[method, route]
    deed = WRITE_DEEDS[method, route]
    path = probe.path or _fill(written, probing.values)
    allowed_code = probe.statuses()["enterprise_a"]
    wrong: list[str] = []
    for status in EnterpriseStatus:
        expected = _expected(status, deed, probe.via, allowed_code)
        with enterprise_a_in(probing, status) as connection:
            # Only a refusal is compared with the rows from before.
            before = database_rows(connection) if expected != allowed_code else None
            got, body = _ask(probing.world, probing.anonymous, "enterprise_a", method, path, probe)
            if got != expected:
                wrong.append(f"{status}: expected {expected}, got {got}: {body}")
            elif expected != allowed_code:
                if STATUS_NAMES[status][0] not in body:
                    wrong.append(f"{status}: the refusal names no status: {body}")
                if database_rows(connection) != before:
                    wrong.append(f"{status}: refused, yet the data changed")
    assert not wrong, f"{method} {route} ({deed}):\n" + "\n".join(wrong)


def _sign_in(client: TestClient, email: str) -> Any:
    ratelimit.reset()
    return client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})


def test_a_suspended_enterprise_reads_with_its_key_but_its_users_are_stopped(
    probing: Probing,
) -> None:
    world, app = probing.world, probing.app
    user = world.actors["enterprise_a"].user
    assert user is not None
    with enterprise_a_in(probing, EnterpriseStatus.suspended):
        api = TestClient(app, base_url=BASE)
        listed = api.get("/api/v1/products", headers=world.actors["enterprise_a"].api_headers)
        assert listed.status_code == 200 and listed.json()["total"] >= 1

        refused = _sign_in(api, user.email)
        assert refused.status_code == 403
        problem = refused.json()
        assert problem["type"].endswith("/enterprise-status")
        assert "bị đình chỉ" in problem["message_vi"] and "suspended" in problem["message_en"]
        assert "Vi phạm ghi nhãn" in problem["message_en"]  # the agency's reason

        browser = TestClient(app, base_url=BASE)
        token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text)
        assert token is not None
        ratelimit.reset()
        page = browser.post(
            "/login",
            data={"email": user.email, "password": PASSWORD, "csrf_token": token.group(1)},
            headers={"Accept": "text/html"},
        )
        assert page.status_code == 400 and "bị đình chỉ" in page.text
        assert browser.get("/portal", follow_redirects=False).status_code == 303  # signed out

        # A session opened before the suspension stops on any page, with the reason.
        live = world.actors["enterprise_a"].browser
        home = live.get("/portal", headers={"Accept": "text/html"}, follow_redirects=False)
        assert home.status_code == 403
        assert "bị đình chỉ" in home.text and "Vi phạm ghi nhãn" in home.text

        # Scanners see the producer's status with the label's verdict.
        verdict = api.get("/api/v1/verify", params={"uri": f"{BASE}/01/{world.gtin}"}).json()
        assert verdict["verdict"] == "suspended"
        assert verdict["product"]["producer"]["status"] == "suspended"


def test_a_pending_enterprise_prepares_but_issues_nothing(probing: Probing) -> None:
    world = probing.world
    headers = world.actors["enterprise_a"].api_headers
    api = TestClient(probing.app, base_url=BASE)
    with enterprise_a_in(probing, EnterpriseStatus.pending) as connection:
        before = database_rows(connection)
        product = api.post("/api/v1/products", json={"name_vi": "Xoài"}, headers=headers)
        assert product.status_code == 403
        assert "chờ xác minh" in product.json()["message_vi"]
        assert "request a company prefix" in product.json()["message_en"]
        lot = {"lot_id": world.lot.id, "count": 1}
        run = api.post("/api/v1/label-runs", json=lot, headers=headers)
        key = api.post("/api/v1/api-keys", json={"name": "thêm"}, headers=headers)
        assert (run.status_code, key.status_code) == (403, 403)
        assert database_rows(connection) == before
        profile = api.patch(
            f"/api/v1/enterprises/{world.enterprise_a.id}",
            json={"phone": "0277399999"},
            headers=headers,
        )
        assert profile.status_code == 200
