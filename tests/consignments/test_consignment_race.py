"""Two consignments of the same lot at once on PostgreSQL, with real commits: the second
waits for the first and counts it, so no more of the lot leaves than it holds.

(SQLite lets one writer at a time; PostgreSQL without a lock let both read "18,000 kg
left" and both ship it.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from registry.consignments.details import Importer
from registry.consignments.models import ConsignmentLot
from registry.consignments.service import (
    ConsignedLot,
    Phytosanitary,
    Shipment,
    create_consignment,
)
from registry.db import make_engine, make_sessionmaker, unit_of_work
from registry.enterprises.models import Enterprise
from registry.errors import InvalidInput
from registry.locations.models import Location
from registry.lots.models import Lot
from registry.migrate import prepare_database
from tests.consignments.chain import CONTAINER, build_export_chain
from tests.factories import actor_of
from tests.locks import wait_until_blocked


@pytest.fixture
def sessions(database_url: str, request: pytest.FixtureRequest) -> Iterator[sessionmaker[Session]]:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time")
    empty_database_url: str = request.getfixturevalue("empty_database_url")
    prepare_database(empty_database_url)
    engine = make_engine(empty_database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def _ship_whole_lot(session: Session, ids: tuple[int, int, int]) -> None:
    enterprise = session.get_one(Enterprise, ids[0])
    lot = session.get_one(Lot, ids[1])
    create_consignment(
        session,
        actor=actor_of(enterprise),
        enterprise=enterprise,
        market="CN",
        lots=[ConsignedLot(lot, Decimal(18000), "KGM")],
        importer=Importer("Guangxi Pingxiang Fruit Trading Co.", "CN"),
        shipment=Shipment(
            location=session.get_one(Location, ids[2]),
            departed_on=dt.date.today(),
            port_of_loading="Cửa khẩu Hữu Nghị",
            port_of_discharge="Pingxiang",
            container_number=CONTAINER,
        ),
        papers=Phytosanitary(certificate_number="KDTV-2026/0815"),
    )


def test_a_lot_shipped_twice_at_once_leaves_once(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as session:
        chain = build_export_chain(session)
        ids = (chain.enterprise.id, chain.export_lot.id, chain.packhouse.id)
    first = sessions()
    try:
        _ship_whole_lot(first, ids)  # recorded, not yet committed
        with ThreadPoolExecutor(max_workers=1) as pool:

            def second() -> str:
                try:
                    with unit_of_work(sessions) as session:
                        _ship_whole_lot(session, ids)
                except InvalidInput as refused:
                    return refused.message_en
                return "shipped"

            racing = pool.submit(second)
            wait_until_blocked(racing, by=first)  # it waits for the first one's lot
            first.commit()
            assert "has only 0 kg left to ship" in racing.result(timeout=30)
    finally:
        first.close()
    with Session(sessions.kw["bind"]) as session:
        shipped = session.scalar(
            select(func.sum(ConsignmentLot.quantity)).where(ConsignmentLot.lot_id == ids[1])
        )
    assert shipped == Decimal(18000)
