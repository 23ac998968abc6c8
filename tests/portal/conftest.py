"""The real app with the portal mounted ahead of the resolver, and a signed-in browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from registry.accounts.models import User
from registry.enterprises.models import Enterprise
from registry.settings import Settings
from service.ratelimit import reset
from service.state import AppState
from tests.factories import PASSWORD, make_enterprise, make_user

BASE = "https://truyxuat.dongthap.gov.vn"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Every test signs in from the same address; the login limit is per minute."""
    reset()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def app_state(app_state: AppState, settings: Settings, data_dir: Path) -> AppState:
    app_state.settings = settings.model_copy(update={"data_dir": data_dir})
    return app_state


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


@dataclass
class Browser:
    """A TestClient that signs in through the login form and posts forms with their token."""

    client: TestClient

    def token(self, path: str = "/login") -> str:
        return csrf_of(self.client.get(path).text)

    def post(self, path: str, data: dict[str, str] | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
        form = {"csrf_token": self.token()}
        form.update(data or {})
        return self.client.post(path, data=form, follow_redirects=False, **kwargs)  # type: ignore[arg-type]

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        response = self.post("/login", {"email": email, "password": password})
        assert response.status_code == 303, response.text


@pytest.fixture
def browser(client: TestClient) -> Browser:
    return Browser(client)


@dataclass
class Member:
    enterprise: Enterprise
    user: User


@pytest.fixture
def member(db_session: Session, browser: Browser) -> Iterator[Member]:
    """A verified enterprise with a prefix, and its user signed in."""
    enterprise = make_enterprise(db_session)
    user = make_user(db_session, enterprise=enterprise)
    db_session.flush()
    browser.sign_in(user.email)
    yield Member(enterprise, user)
