"""The agency's world: the real app and a signed-in agency user."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from service import ratelimit
from tests.factories import PASSWORD, make_user

BASE = "https://truyxuat.dongthap.gov.vn"


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE) as client:
        yield client


@pytest.fixture
def staff(db_session: Session, client: TestClient) -> TestClient:
    """The client signed in as agency staff."""
    user = make_user(db_session, role=Role.agency)
    db_session.flush()
    # Many tests sign in from the same test client address within a minute.
    ratelimit.reset()
    response = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)
