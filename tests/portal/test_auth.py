"""Sign-in, CSRF, session expiry, rate limit and password change, through the real app."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.pages.portal.common import IDLE_TIMEOUT_SECONDS
from tests.factories import PASSWORD, make_enterprise, make_user
from tests.portal.conftest import Browser, Member


def test_portal_pages_send_strangers_to_login(client: TestClient) -> None:
    response = client.get("/portal/products", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/portal/products"


def test_login_page_says_resets_go_through_the_agency(client: TestClient) -> None:
    page = client.get("/login").text
    assert "Hệ thống không gửi thư điện tử" in page
    assert "Chi cục" in page


def test_wrong_password_is_shown_next_to_the_field(db_session: Session, browser: Browser) -> None:
    user = make_user(db_session, enterprise=make_enterprise(db_session))
    db_session.flush()
    response = browser.post("/login", {"email": user.email, "password": "wrong-password-1"})
    assert response.status_code == 400
    assert 'id="f-password-error"' in response.text
    assert "E-mail hoặc mật khẩu không đúng." in response.text
    assert 'aria-describedby="f-password-error' in response.text


def test_sign_in_then_out(member: Member, browser: Browser) -> None:
    assert member.enterprise.display_name in browser.client.get("/portal").text
    browser.post("/logout")
    assert browser.client.get("/portal", follow_redirects=False).status_code == 303


def test_a_form_without_the_token_is_refused(member: Member, client: TestClient) -> None:
    response = client.post(
        "/portal/prefix", data={"prefix": "8936123"}, headers={"accept": "text/html"}
    )
    assert response.status_code == 403
    wrong = client.post(
        "/portal/prefix",
        data={"prefix": "8936123", "csrf_token": "forged"},
        headers={"accept": "text/html"},
    )
    assert wrong.status_code == 403
    assert "Biểu mẫu đã hết hạn" in wrong.text


def test_login_itself_needs_the_token(db_session: Session, client: TestClient) -> None:
    user = make_user(db_session, enterprise=make_enterprise(db_session))
    db_session.flush()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 403


def test_login_is_rate_limited(db_session: Session, browser: Browser) -> None:
    statuses = [
        browser.post("/login", {"email": "nobody@example.vn", "password": "x" * 12}).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429


def test_an_idle_session_ends(
    member: Member, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    import service.pages.portal.common as common

    assert browser.client.get("/portal", follow_redirects=False).status_code == 200
    now = common.time.time()
    monkeypatch.setattr(common.time, "time", lambda: now + IDLE_TIMEOUT_SECONDS + 5)
    assert browser.client.get("/portal", follow_redirects=False).status_code == 303


def test_password_change_needs_the_current_password(member: Member, browser: Browser) -> None:
    new = "a-brand-new-password"
    wrong = browser.post(
        "/portal/password",
        {"current_password": "not-it-at-all", "new_password": new, "confirm_password": new},
    )
    assert wrong.status_code == 400
    assert 'id="f-current_password-error"' in wrong.text
    right = browser.post(
        "/portal/password",
        {"current_password": PASSWORD, "new_password": new, "confirm_password": new},
    )
    assert right.status_code == 303
    assert browser.client.get("/portal", follow_redirects=False).status_code == 200
    browser.post("/logout")
    browser.sign_in(member.user.email, new)


def test_english_on_request(client: TestClient) -> None:
    page = client.get("/login?lang=en").text
    assert "For enterprises, cooperatives and agency staff" in page
    assert client.cookies.get("lang") == "en"
