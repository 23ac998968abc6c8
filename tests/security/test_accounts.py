"""Accounts: argon2 password hashes, session rotation at sign-in, hashed API keys,
rate limits on sign-in and public forms, security headers on every kind of answer."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, MetaData, select
from sqlalchemy.orm import Session

from registry.accounts.models import ApiKey, Role, User
from registry.db import Base
from registry.settings import Settings
from service import ratelimit
from tests.factories import PASSWORD, api_headers, make_enterprise, make_product, make_user
from tests.security.world import BASE, SESSION_COOKIE


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    ratelimit.reset()
    with TestClient(app, base_url=BASE) as client:
        yield client
    ratelimit.reset()


def _cookie(browser: TestClient) -> str:
    return next((c.value for c in browser.cookies.jar if c.name == SESSION_COOKIE), "")


def _session_of(cookie: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(base64.b64decode(cookie.split(".", 1)[0] + "=="))
    return data


def _form_login(browser: TestClient, email: str, password: str = PASSWORD) -> int:
    browser.get("/login")  # the form's CSRF token lives in the visitor's session
    token = str(_session_of(_cookie(browser)).get("csrf", ""))
    answer = browser.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return answer.status_code


# -- passwords and keys at rest


def test_passwords_are_stored_as_argon2id_hashes(db_session: Session) -> None:
    user = make_user(db_session, enterprise=make_enterprise(db_session))
    db_session.flush()
    stored = db_session.scalar(select(User.password_hash).where(User.id == user.id))
    assert stored is not None and stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)


def test_api_key_secrets_are_never_stored(
    db_session: Session, client: TestClient, connection: Connection
) -> None:
    enterprise = make_enterprise(db_session)
    headers = api_headers(db_session, role=Role.enterprise, enterprise=enterprise)
    user = make_user(db_session, enterprise=enterprise)
    db_session.flush()
    signed_in = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    issued = client.post("/api/v1/api-keys", json={"name": "máy in"})
    assert issued.status_code == 201, issued.text
    client.cookies.clear()
    secrets = [issued.json()["secret"], headers["Authorization"].removeprefix("Bearer ")]
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": secrets[0]}).status_code == 200
    assert db_session.scalars(select(ApiKey.key_hash)).all()
    # Every row of every table, read back as text: no secret, nor its long tail, appears.
    metadata = MetaData()
    metadata.reflect(bind=connection, only=[t.name for t in Base.metadata.sorted_tables])
    for table in metadata.sorted_tables:
        for row in connection.execute(table.select()):
            text = " ".join(str(value) for value in row)
            for secret in secrets:
                assert secret not in text and secret[-24:] not in text, table.name


# -- sessions


def test_sign_in_rotates_the_session_and_sign_out_ends_it(
    db_session: Session, browser: TestClient
) -> None:
    user = make_user(db_session, enterprise=make_enterprise(db_session))
    db_session.flush()
    browser.get("/login")
    before = _cookie(browser)
    assert before and "uid" not in _session_of(before)

    assert _form_login(browser, user.email) == 303
    first = _cookie(browser)
    assert first != before
    first_session = _session_of(first)
    assert first_session["uid"] == user.id and first_session.get("sid")
    assert first_session["csrf"] != _session_of(before).get("csrf"), "CSRF token not rotated"
    assert browser.get("/portal", follow_redirects=False).status_code == 200

    assert _form_login(browser, user.email) == 303
    second = _session_of(_cookie(browser))
    assert second["sid"] != first_session["sid"], "a new sign-in must start a new session"

    signed_in_cookie = _cookie(browser)
    token = str(second["csrf"])
    assert browser.post("/logout", data={"csrf_token": token}).status_code in (200, 303)
    assert "uid" not in _session_of(_cookie(browser) or before)
    assert browser.get("/portal", follow_redirects=False).status_code == 303
    # The cookie from before sign-in is worth nothing after sign-out either.
    browser.cookies.jar.clear()
    browser.cookies.set(SESSION_COOKIE, before, domain="truyxuat.dongthap.gov.vn")
    answer = browser.get("/portal", follow_redirects=False)
    assert answer.status_code == 303 and "/login" in answer.headers["location"]
    # Nor is a copy of the signed-in cookie: signing out ends the session on the server.
    browser.cookies.jar.clear()
    browser.cookies.set(SESSION_COOKIE, signed_in_cookie, domain="truyxuat.dongthap.gov.vn")
    assert browser.get("/portal", follow_redirects=False).status_code == 303
    assert browser.get("/api/v1/auth/me").status_code == 401


def test_session_cookie_is_http_only_secure_and_same_site(
    db_session: Session, browser: TestClient
) -> None:
    user = make_user(db_session, enterprise=make_enterprise(db_session))
    db_session.flush()
    answer = browser.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert answer.status_code == 200
    header = answer.headers["set-cookie"].lower()
    assert SESSION_COOKIE in header
    assert "httponly" in header and "secure" in header and "samesite=lax" in header


# -- rate limits


def test_api_sign_in_is_rate_limited(db_session: Session, browser: TestClient) -> None:
    user = make_user(db_session, enterprise=make_enterprise(db_session))
    db_session.flush()
    answers = [
        browser.post("/api/v1/auth/login", json={"email": user.email, "password": "sai-mat-khau"})
        for _ in range(11)
    ]
    assert [a.status_code for a in answers[:10]] == [401] * 10
    assert answers[10].status_code == 429
    body = answers[10].json()
    assert "Quá nhiều yêu cầu" in body["message_vi"] and "Too many" in body["message_en"]
    # Even the right password waits out the window: guessing gains nothing.
    right = browser.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert right.status_code == 429


def test_sign_in_form_is_rate_limited(db_session: Session, browser: TestClient) -> None:
    user = make_user(db_session, enterprise=make_enterprise(db_session))
    db_session.flush()
    statuses = [_form_login(browser, user.email, "sai-mat-khau") for _ in range(11)]
    assert statuses == [400] * 10 + [429]


def test_sign_up_is_rate_limited(db_session: Session, browser: TestClient) -> None:
    # Well-formed attempts with a wrong tax code: each counts, each is refused.
    attempt = {
        "tax_code": "0000000000",
        "legal_name": "HTX",
        "kind": "cooperative",
        "account_email": "a@example.vn",
        "account_password": "mat-khau-du-dai-1",
    }
    statuses = [
        browser.post("/api/v1/enterprises/sign-up", json=attempt).status_code for _ in range(11)
    ]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429, statuses

    # The form: well-formed, but for a tax code already registered, so each attempt fails.
    taken = make_enterprise(db_session).tax_code
    db_session.flush()
    browser.get("/portal/signup")
    form = {
        "csrf_token": str(_session_of(_cookie(browser)).get("csrf", "")),
        "tax_code": taken,
        "kind": "cooperative",
        "legal_name": "HTX Trùng",
        "ward_code": "28360",
        "account_email": "trung@example.vn",
        "password": "mat-khau-du-dai-1",
        "confirm_password": "mat-khau-du-dai-1",
    }
    answers = [browser.post("/portal/signup", data=form) for _ in range(11)]
    assert [a.status_code for a in answers] == [400] * 10 + [429]
    assert "Quá nhiều yêu cầu" in answers[10].text


def test_consumer_report_form_is_rate_limited(
    db_session: Session, browser: TestClient, settings: Settings
) -> None:
    product = make_product(db_session, enterprise=make_enterprise(db_session))
    db_session.flush()
    path = f"/01/{product.gtin}"
    allowed = settings.reports_per_hour
    statuses = [
        browser.post(
            "/p/report",
            data={"kind": "quality", "message": "Hàng bị dập", "path": path},
            follow_redirects=False,
        ).status_code
        for _ in range(allowed + 1)
    ]
    assert statuses == [303] * allowed + [429], statuses


# -- headers


def _sample_paths(db_session: Session) -> list[tuple[str, str, dict[str, str]]]:
    product = make_product(db_session, enterprise=make_enterprise(db_session))
    db_session.flush()
    gtin = product.gtin
    return [
        ("GET", "/", {}),
        ("GET", "/login", {}),
        ("GET", "/scan", {}),
        ("GET", "/portal", {}),
        ("GET", "/agency/", {}),
        ("GET", "/api/docs", {}),
        ("GET", "/api/openapi.json", {}),
        ("GET", "/api/v1/products", {}),
        ("GET", "/api/v1/products/999999", {"Accept": "application/json"}),
        ("POST", "/api/v1/products", {}),
        ("GET", "/epcis/events", {}),
        ("GET", "/healthz", {}),
        ("GET", "/metrics", {}),
        ("GET", "/static/site.css", {}),
        ("GET", "/media/products/x.jpg", {}),
        ("GET", f"/01/{gtin}", {}),
        ("GET", f"/01/{gtin}", {"Accept": "application/linkset+json"}),
        ("GET", "/01/123", {}),
        (
            "OPTIONS",
            f"/01/{gtin}",
            {"Origin": "https://x.vn", "Access-Control-Request-Method": "GET"},
        ),
        ("GET", "/.well-known/gs1resolver", {}),
        ("GET", f"/p/01/{gtin}", {}),
        ("GET", "/p/report", {}),
        ("GET", "/does/not/exist", {}),
    ]


def test_every_kind_of_answer_carries_the_security_headers(
    db_session: Session, browser: TestClient
) -> None:
    for method, path, headers in _sample_paths(db_session):
        answer = browser.request(method, path, headers=headers, follow_redirects=False)
        where = f"{method} {path} → {answer.status_code}"
        csp = answer.headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp, where
        assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0], where
        assert "frame-ancestors 'none'" in csp, where
        assert answer.headers.get("x-content-type-options") == "nosniff", where
        assert answer.headers.get("x-frame-options") == "DENY", where
        assert answer.headers.get("referrer-policy") == "strict-origin-when-cross-origin", where
