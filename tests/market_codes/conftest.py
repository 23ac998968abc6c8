"""The export world of these tests: an enterprise with a growing area and a packhouse,
each with a code approved for China and Thailand, and a signed-in officer."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.actor import SYSTEM
from registry.locations.models import Location, LocationKind
from registry.market_codes.models import MarketCode
from registry.market_codes.service import record_code
from registry.products.models import Product
from service import ratelimit
from tests.factories import PASSWORD, make_enterprise, make_location, make_product, make_user


@dataclass
class World:
    product: Product
    area: Location
    packhouse: Location
    area_code: MarketCode
    packhouse_code: MarketCode


@pytest.fixture
def world(db_session: Session) -> World:
    enterprise = make_enterprise(db_session)
    area = make_location(db_session, enterprise=enterprise, kind=LocationKind.growing_area)
    packhouse = make_location(db_session, enterprise=enterprise, kind=LocationKind.packhouse)
    area_code = record_code(
        db_session,
        actor=SYSTEM,
        location=area,
        code=f"VN-DTOR-{area.id:04d}",
        markets=["CN", "TH"],
        crop="Sầu riêng",
        area_ha=Decimal("2.5"),
        households=3,
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 12, 31),
    )
    packhouse_code = record_code(
        db_session,
        actor=SYSTEM,
        location=packhouse,
        code=f"VN-DTPH-{packhouse.id:04d}",
        markets=["CN", "TH"],
    )
    return World(
        make_product(db_session, enterprise=enterprise, name_vi="Sầu riêng Ri6"),
        area,
        packhouse,
        area_code,
        packhouse_code,
    )


@pytest.fixture
def staff(db_session: Session, client: TestClient) -> TestClient:
    """The client signed in as agency staff."""
    user = make_user(db_session, role=Role.agency)
    db_session.flush()
    ratelimit.reset()
    answer = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return client


def sign_in(client: TestClient, db_session: Session, **user: object) -> None:
    account = make_user(db_session, **user)  # type: ignore[arg-type]
    db_session.flush()
    ratelimit.reset()
    answer = client.post("/api/v1/auth/login", json={"email": account.email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)
