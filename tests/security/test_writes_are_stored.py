"""A 2xx means stored: every write route of the authorization matrix, asked by a role that
may use it, answers success only with its change in the database, read right after.

The requests are the matrix's own probes (tests/security/test_authorization_matrix.py), so
a route added there is tested here too; where a probe changes nothing (it sets what is
set already, or leaves its form empty to test roles only), `_writes` gives the request
that does. The read compares every table (but the audit trail and reference data)
before and after the request.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Connection

import registry.models  # noqa: F401 - every table in the metadata
from registry.db import Base
from tests.factories import PASSWORD, unique_tax_code
from tests.security.test_authorization_matrix import (
    ROUTES,
    SESSION,
    Probe,
    Probing,
    _ask,
    _fill,
    probing,
)
from tests.security.world import ROLES, World

__all__ = ["probing"]  # the matrix's world, shared as a fixture

TODAY = dt.date.today().isoformat()
EVENT_TIME = f"{dt.date.today() - dt.timedelta(days=2)}T08:00"
REASON = {"reason": "Đã xác minh lại"}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WRITES = [(method, route) for method, route in ROUTES if method in WRITE_METHODS]
# Who is asked first: the owner, then staff, then the others.
ASKING_ORDER = ("enterprise_a", "admin", "agency", "enterprise_b", "anonymous")
# Not the change a write is about: the audit trail follows every write, sign-ins stamp
# the user, and reference data is never written by a request.
NOT_THE_CHANGE: dict[str, set[str] | None] = {
    "audit_entry": None,
    "admin_unit": None,
    "user_account": {"last_login_at"},
}
assert set(ROLES) == set(ASKING_ORDER)


@dataclass(frozen=True)
class Write:
    """The request that changes something: who asks, the body, and a probe to run first."""

    role: str = "enterprise_a"
    json: Any = None
    form: dict[str, str] | None = None
    first: tuple[str, str] | None = None


def _writes(w: World) -> dict[tuple[str, str], Write]:
    place, product = w.location.id, w.product.id
    return {
        ("PATCH", "/api/v1/lots/{lot_id}"): Write(json={"unit": "LTR"}),
        ("POST", "/api/v1/users/{user_id}/reactivate"): Write(
            "admin", json=REASON, first=("POST", "/api/v1/users/{user_id}/deactivate")
        ),
        ("POST", "/agency/users/{user_id}/reactivate"): Write(
            "admin", form=REASON, first=("POST", "/agency/users/{user_id}/deactivate")
        ),
        ("POST", "/portal/team/users/{user_id}/reactivate"): Write(
            form={}, first=("POST", "/portal/team/users/{user_id}/deactivate")
        ),
        # A place is shared for a scan the same phone has just made.
        ("POST", "/p/share-place"): Write(
            form={"path": f"/01/{w.gtin}", "province_code": "82"},
            first=("GET", "/{key}/{rest}"),
        ),
        ("POST", "/portal/locations/new"): Write(form={"name": "Kho mới", "kind": "warehouse"}),
        ("POST", "/portal/locations/{location_id}"): Write(
            form={"name": "Vườn đổi tên", "kind": "farm"}
        ),
        ("POST", "/portal/products/new"): Write(form={"name_vi": "Bưởi da xanh"}),
        ("POST", "/portal/lots/new"): Write(form={"product_id": str(product), "code": "NEW1"}),
        ("POST", "/portal/lots/{lot_id}/steps/{step}"): Write(
            form={
                "location_id": str(place),
                "event_time": EVENT_TIME,
                "quantity": "5",
                "unit": "KGM",
            }
        ),
        ("POST", "/portal/signup"): Write(
            "anonymous",
            form={
                "tax_code": unique_tax_code(),
                "kind": "cooperative",
                "legal_name": "HTX Đăng Ký Mới",
                "address": "Ấp 3",
                "ward_code": "28360",
                "contact_name": "Chị Lan",
                "phone": "0900000001",
                "account_email": "dangky-web@example.vn",
                "password": PASSWORD,
                "confirm_password": PASSWORD,
            },
        ),
        ("POST", "/agency/recalls"): Write(
            "agency",
            form={
                "product_id": str(product),
                "scope": "product",
                "decision": "confirm",
                "reason_vi": "Nhiễm khuẩn",
                "notice_vi": "Ngừng sử dụng",
            },
        ),
        ("POST", "/portal/products/{product_id}/certificates"): Write(
            form={"kind": "vietgap", "number": "VG-2", "issuer": "Sở NN&MT", "valid_from": TODAY}
        ),
    }


# What each compared table is read with: its columns but those not the change.
_READS = {
    table.name: 'SELECT {} FROM "{}"'.format(
        ", ".join(f'"{column.name}"' for column in table.columns if column.name not in skipped),
        table.name,
    )
    for table in Base.metadata.sorted_tables
    if (skipped := NOT_THE_CHANGE.get(table.name, set())) is not None
}


def _snapshot(connection: Connection) -> dict[str, set[tuple[str, ...]]]:
    """The stored values as the driver reads them, on one cursor in the test's transaction:
    a Core select per table through SQLAlchemy's execution took 7 ms a snapshot on SQLite
    and 15 on PostgreSQL, two snapshots per write."""
    cursor = connection.connection.cursor()
    try:
        tables: dict[str, set[tuple[str, ...]]] = {}
        for name, read in _READS.items():
            cursor.execute(read)
            tables[name] = {tuple(repr(value) for value in row) for row in cursor.fetchall()}
        return tables
    finally:
        cursor.close()


def _succeeds(status: int, role: str, route: str) -> bool:
    if 200 <= status < 300:
        return True
    # A browser form succeeds with a redirect, but an anonymous visitor's 303 from the
    # portal (but its sign-up form) only sends them to sign in.
    signing_in = route.startswith("/portal") and route != "/portal/signup"
    return status == 303 and not (role == "anonymous" and signing_in)


def _probe(probing: Probing, method: str, route: str) -> tuple[str, Probe]:
    written, probe = probing.probes[method, route]
    return probe.path or _fill(written, probing.values), probe


def _request(probing: Probing, method: str, route: str) -> tuple[str, Probe, str]:
    """The request to send for the route: its path, its probe and who asks."""
    path, probe = _probe(probing, method, route)
    write = _writes(probing.world).get((method, route))
    if write is None:
        expected = probe.statuses()
        roles = [role for role in ASKING_ORDER if _succeeds(expected[role], role, route)]
        if not roles:
            pytest.skip("no role's probe succeeds in the matrix")
        return path, probe, roles[0]
    return path, dataclasses.replace(probe, json=write.json, form=write.form), write.role


@pytest.mark.parametrize(("method", "route"), WRITES, ids=[f"{m} {r}" for m, r in WRITES])
def test_a_successful_write_is_stored(method: str, route: str, probing: Probing) -> None:
    path, probe, role = _request(probing, method, route)
    write = _writes(probing.world).get((method, route))
    browser = probing.world.actors[role].browser if probe.via == SESSION else probing.anonymous
    cookies = list(browser.cookies.jar)
    savepoint = probing.connection.begin_nested()
    try:
        if write is not None and write.first is not None:
            # Through the same client as the write, keeping what it is given (a device
            # cookie, say): the same phone, the same session.
            first_path, first_probe = _probe(probing, *write.first)
            browser.request(
                write.first[0],
                first_path,
                json=first_probe.json,
                data=_with_token(probing, role, first_probe) if probe.via == SESSION else None,
                headers={} if probe.via == SESSION else probing.world.actors[role].api_headers,
                follow_redirects=False,
            )
        before = _snapshot(probing.connection)
        got, body = _ask(probing.world, probing.anonymous, role, method, path, probe)
        after = _snapshot(probing.connection)
    finally:
        savepoint.rollback()
        browser.cookies.jar.clear()
        for cookie in cookies:
            browser.cookies.jar.set_cookie(cookie)
    assert _succeeds(got, role, route), f"{method} {path} as {role}: {got} {body}"
    changed = [name for name in before if before[name] != after[name]]
    assert changed, f"{method} {route} answered {got} to {role} but stored nothing"


def _with_token(probing: Probing, role: str, probe: Probe) -> dict[str, str] | None:
    if probe.form is None:
        return None
    return {**probe.form, "csrf_token": probing.world.actors[role].csrf()}
