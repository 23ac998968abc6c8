"""The enterprise status policy at every door: each write route of the app, asked by
enterprise A while it is pending, verified, rejected and suspended.

Allowed: the answer the authorization matrix expects of A. Refused: 403 naming the
status (problem JSON for the API and EPCIS, a page for the portal) and the database
exactly as it was. The route list comes from the app, so a new write route fails
here until it is given a deed.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from registry.enterprises.models import Enterprise, EnterpriseStatus
from registry.enterprises.policy import ALLOWED, STATUS_NAMES, Deed, allows
from registry.events.steps import gln_uri, lot_uri
from registry.models import Base
from service import ratelimit
from service.deps import SAFE_METHODS
from service.status_doors import WRITE_DEEDS
from tests.factories import PASSWORD
from tests.security import test_authorization_matrix as authorization
from tests.security.test_authorization_matrix import (
    SESSION,
    _ask,
    _fill,
    _plain,
    app_routes,
    matrix,
)
from tests.security.world import BASE, World

# The authorization matrix's world: two enterprises, staff, one record of each kind.
world = authorization.world

REASONS = {
    EnterpriseStatus.rejected: "Thiếu giấy phép kinh doanh",
    EnterpriseStatus.suspended: "Vi phạm ghi nhãn",
}


def _set_status(connection: Connection, enterprise_id: int, status: EnterpriseStatus) -> None:
    connection.execute(
        update(Enterprise)
        .where(Enterprise.id == enterprise_id)
        .values(status=status, status_reason=REASONS.get(status))
    )


# Reference data (thousands of administrative units) no route of these writes.
REFERENCE_TABLES = {"admin_unit"}


def database_rows(connection: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: what "unchanged" is compared on."""
    return {
        table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
        for table in Base.metadata.sorted_tables
        if table.name not in REFERENCE_TABLES
    }


def _write_routes(app: FastAPI) -> set[tuple[str, str]]:
    return {(method, path) for method, path in app_routes(app) if method not in SAFE_METHODS}


def test_every_write_route_of_the_app_has_a_deed(app: FastAPI) -> None:
    listed = {(method, _plain(path)) for method, path in WRITE_DEEDS}
    routes = _write_routes(app)
    assert routes - listed == set(), "write routes missing from service/status_doors.py"
    assert listed - routes == set(), "status_doors.py lists routes that no longer exist"


def test_the_policy_says_what_the_issue_asks() -> None:
    pending, rejected = ALLOWED[EnterpriseStatus.pending], ALLOWED[EnterpriseStatus.rejected]
    assert {Deed.edit_profile, Deed.request_prefix} <= pending
    no_public_trace = {Deed.issue_codes, Deed.print_labels, Deed.record_events, Deed.manage_team}
    assert not pending & no_public_trace
    assert rejected < pending
    assert ALLOWED[EnterpriseStatus.suspended] == {Deed.read}
    assert ALLOWED[EnterpriseStatus.verified] == set(Deed)


def _expected(status: EnterpriseStatus, deed: Deed | None, via: str, allowed_code: int) -> int:
    if deed is None:
        return allowed_code
    deeds = [Deed.sign_in, deed] if via == SESSION else [deed]
    return allowed_code if all(allows(status, d) for d in deeds) else 403


def _path_values(w: World) -> dict[str, str]:
    values = w.path_values()
    values.update(epc=lot_uri(w.lot), biz_location=gln_uri(w.location.gln))
    return values


def test_every_write_route_in_every_status(
    app: FastAPI, world: World, connection: Connection
) -> None:
    probes = matrix(world)
    values = _path_values(world)
    anonymous = TestClient(app, base_url=BASE)
    a = world.enterprise_a.id
    wrong: list[str] = []
    refusals = 0
    for method, route in sorted(_write_routes(app)):
        probe = probes[(method, route)]
        deed = WRITE_DEEDS[(method, route)]
        path = probe.path or _fill(route, values)
        allowed_code = probe.statuses()["enterprise_a"]
        for status in EnterpriseStatus:
            savepoint = connection.begin_nested()
            try:
                _set_status(connection, a, status)
                before = database_rows(connection)
                got, body = _ask(world, anonymous, "enterprise_a", method, path, probe)
                expected = _expected(status, deed, probe.via, allowed_code)
                if got != expected:
                    wrong.append(
                        f"{status} {method} {route}: expected {expected}, got {got} {body}"
                    )
                elif expected == 403 and expected != allowed_code:
                    refusals += 1
                    if STATUS_NAMES[status][0] not in body:
                        wrong.append(f"{status} {method} {route}: refusal names no status: {body}")
                    if database_rows(connection) != before:
                        wrong.append(f"{status} {method} {route}: refused, yet data changed")
            finally:
                savepoint.rollback()
    assert not wrong, "\n".join(wrong)
    assert refusals > 100  # the policy refused something at every door


def _sign_in(client: TestClient, email: str) -> Any:
    ratelimit.reset()
    return client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})


def test_a_suspended_enterprise_reads_with_its_key_but_its_users_are_stopped(
    app: FastAPI, world: World, connection: Connection, db_session: Session
) -> None:
    a = world.enterprise_a.id
    user = world.actors["enterprise_a"].user
    assert user is not None
    _set_status(connection, a, EnterpriseStatus.suspended)
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
    form = browser.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    ratelimit.reset()
    page = browser.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token.group(1)},
        headers={"Accept": "text/html"},
    )
    assert page.status_code == 400 and "bị đình chỉ" in page.text
    assert browser.get("/portal", follow_redirects=False).status_code == 303  # not signed in

    # A session opened before the suspension stops on any page, with the reason.
    live = world.actors["enterprise_a"].browser
    home = live.get("/portal", headers={"Accept": "text/html"}, follow_redirects=False)
    assert home.status_code == 403
    assert "bị đình chỉ" in home.text and "Vi phạm ghi nhãn" in home.text

    # Scanners see the producer's status on the label's page data.
    verdict = api.get("/api/v1/verify", params={"uri": f"{BASE}/01/{world.gtin}"})
    assert verdict.json()["verdict"] == "suspended"
    assert verdict.json()["product"]["producer"]["status"] == "suspended"
    assert db_session.get(Enterprise, a) is not None


def test_a_pending_enterprise_prepares_but_issues_nothing(
    app: FastAPI, world: World, connection: Connection
) -> None:
    _set_status(connection, world.enterprise_a.id, EnterpriseStatus.pending)
    headers = world.actors["enterprise_a"].api_headers
    api = TestClient(app, base_url=BASE)
    before = database_rows(connection)
    product = api.post("/api/v1/products", json={"name_vi": "Xoài"}, headers=headers)
    assert product.status_code == 403
    assert "chờ xác minh" in product.json()["message_vi"]
    assert "request a company prefix" in product.json()["message_en"]
    run = api.post("/api/v1/label-runs", json={"lot_id": world.lot.id, "count": 1}, headers=headers)
    key = api.post("/api/v1/api-keys", json={"name": "thêm"}, headers=headers)
    assert (run.status_code, key.status_code) == (403, 403)
    assert database_rows(connection) == before
    profile = api.patch(
        f"/api/v1/enterprises/{world.enterprise_a.id}",
        json={"phone": "0277399999"},
        headers=headers,
    )
    assert profile.status_code == 200
