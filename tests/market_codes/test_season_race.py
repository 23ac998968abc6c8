"""Two export lots from one growing area at once on PostgreSQL, with real commits: the
second waits for the first and counts it, so the season never goes over area × ceiling.

(SQLite lets one writer at a time; PostgreSQL without a lock let both read "20,000 kg
declared" and both add 25,000 kg under a 25,000 kg ceiling.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from registry.actor import SYSTEM
from registry.db import make_engine, make_sessionmaker, unit_of_work
from registry.locations.models import Location, LocationKind
from registry.lots.models import Lot
from registry.lots.service import create_lot
from registry.market_codes.guard import ExportGuardRefused
from registry.market_codes.service import check_export_lot, record_code, set_yield_ceiling
from registry.migrate import prepare_database
from registry.products.models import Product
from tests.factories import actor_of, make_enterprise, make_location, make_product
from tests.locks import wait_until_blocked

HARVEST = dt.date(2026, 6, 15)


@pytest.fixture
def sessions(database_url: str, request: pytest.FixtureRequest) -> Iterator[sessionmaker[Session]]:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time")
    empty_database_url: str = request.getfixturevalue("empty_database_url")
    prepare_database(empty_database_url)
    engine = make_engine(empty_database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def _export_world(session: Session) -> tuple[int, int, int]:
    enterprise = make_enterprise(session)
    area = make_location(session, enterprise=enterprise, kind=LocationKind.growing_area)
    packhouse = make_location(session, enterprise=enterprise, kind=LocationKind.packhouse)
    for place, code, details in (
        (area, "VN-DTOR-RACE", {"crop": "Sầu riêng", "area_ha": Decimal("1.25")}),
        (packhouse, "VN-DTPH-RACE", {}),
    ):
        record_code(
            session,
            actor=SYSTEM,
            location=place,
            code=code,
            markets=["CN"],
            valid_from=dt.date(2026, 1, 1),
            valid_to=dt.date(2026, 12, 31),
            **details,  # type: ignore[arg-type]
        )
    # 1.25 ha × 20 t/ha = 25,000 kg in the season.
    set_yield_ceiling(
        session, actor=SYSTEM, crop="Sầu riêng", tonnes_per_ha=Decimal(20), season_start_month=1
    )
    product = make_product(session, enterprise=enterprise, name_vi="Sầu riêng Ri6")
    session.flush()
    return product.id, area.id, packhouse.id


def _declare(session: Session, ids: tuple[int, int, int], code: str) -> None:
    product = session.get_one(Product, ids[0])
    lot = create_lot(
        session,
        actor=actor_of(product.enterprise),
        product=product,
        code=code,
        production_on=HARVEST,
        quantity=Decimal(20000),
        unit="KGM",
        origin_location=session.get_one(Location, ids[1]),
        export_market="CN",
        packhouse_location=session.get_one(Location, ids[2]),
    )
    check_export_lot(session, lot)


def test_two_lots_declared_at_once_stay_under_the_ceiling(
    sessions: sessionmaker[Session],
) -> None:
    with unit_of_work(sessions) as session:
        ids = _export_world(session)
    first = sessions()
    try:
        _declare(first, ids, "RACE-1")  # checked, not yet committed
        with ThreadPoolExecutor(max_workers=1) as pool:

            def second() -> str:
                try:
                    with unit_of_work(sessions) as session:
                        _declare(session, ids, "RACE-2")
                except ExportGuardRefused as refused:
                    return refused.rule
                return "declared"

            racing = pool.submit(second)
            wait_until_blocked(racing, by=first)  # it waits for the first one's area
            first.commit()
            assert racing.result(timeout=30) == "quantity_ceiling"
    finally:
        first.close()
    with Session(sessions.kw["bind"]) as session:
        declared = session.scalar(
            select(func.sum(Lot.quantity)).where(Lot.origin_location_id == ids[1])
        )
    assert declared == Decimal(20000)
