"""The small-table facts kept between page views: used while nothing changed, never stale."""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from registry.actor import SYSTEM
from registry.enterprises.service import reject_enterprise, update_enterprise
from registry.population.service import import_population
from registry.stats import indicators
from registry.stats.facts_cache import cached, read_versions
from tests.agency.test_indicators import Q3, Naive, local, read_csv, tile_values
from tests.agency.world import PERIOD, WARDS, World, at, build_world
from tests.factories import make_product

HTML = {"accept": "text/html"}


@pytest.fixture
def world(db_session: Session) -> World:
    return build_world(db_session, scans=80)


def dashboard_tiles(staff: TestClient) -> dict[str, float]:
    page = staff.get(f"/agency/?period={PERIOD}", headers=HTML)
    assert page.status_code == 200
    return tile_values(page.text)


def test_an_unchanged_database_is_read_once(
    world: World, staff: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def counted(name: str, real: Callable[..., object]) -> Callable[..., object]:
        def wrapper(*args: object, **kwargs: object) -> object:
            calls.append(name)
            return real(*args, **kwargs)

        return wrapper

    for name in ("load_enterprises", "load_register", "products_before"):
        monkeypatch.setattr(indicators, name, counted(name, getattr(indicators, name)))
    first = dashboard_tiles(staff)
    read_first = len(calls)
    assert dashboard_tiles(staff) == first
    assert read_first > 0 and len(calls) == read_first


def test_changes_show_on_the_next_page_view(
    world: World, staff: TestClient, db_session: Session
) -> None:
    before = dashboard_tiles(staff)
    naive = Naive(db_session, Q3)
    assert before["registered"] == naive.value("registered")

    # An enterprise rejected, a product added in the period, an enterprise moved to
    # another ward, and a register import with one entry fewer.
    rejected = next(e for e in world.enterprises if e.id in naive.registered)
    reject_enterprise(db_session, actor=SYSTEM, enterprise=rejected, reason="Hồ sơ trùng")
    owner = next(e for e in world.enterprises if e.id in naive.registered and e is not rejected)
    product = make_product(db_session, enterprise=owner)
    product.created_at = at("2025-08-15T03:00")
    moved_to = next(ward for ward in WARDS if ward != owner.ward_code)
    update_enterprise(db_session, actor=SYSTEM, enterprise=owner, changes={"ward_code": moved_to})
    lines = world.register_csv.splitlines()
    import_population(db_session, actor=SYSTEM, data=("\n".join(lines[:-1]) + "\n").encode())
    db_session.flush()

    after = dashboard_tiles(staff)
    naive = Naive(db_session, Q3)
    for key in ("registered", "new_registered", "verified", "products", "active"):
        assert after[key] == naive.value(key), key
    assert after["registered"] == before["registered"] - 1
    assert after["products"] == before["products"] + 1
    assert after["population"] == before["population"] - 1

    by_ward = read_csv(staff.get(f"/agency/export/by_ward.csv?period={PERIOD}").content)
    header = by_ward[0]
    registered_column = header.index("Đăng ký")
    names = {"28360": "Cái Bè", "28249": "Đạo Thạnh", "28261": "Mỹ Tho"}
    ward_of = {e.id: e.ward_code for e in naive.enterprises}
    expected: dict[str, int] = {}
    for enterprise_id in naive.registered:
        name = names[ward_of[enterprise_id]]
        expected[name] = expected.get(name, 0) + 1
    assert {r[0]: int(r[registered_column]) for r in by_ward[1:]} == expected

    monthly = read_csv(staff.get(f"/agency/export/monthly.csv?period={PERIOD}").content)
    created = Counter(
        local(p.created_at).strftime("%Y-%m")
        for p in naive.products
        if Q3[0] <= local(p.created_at) < Q3[1]
    )
    assert {row[0]: int(row[3]) for row in monthly[1:]} == {
        month: created[month] for month in ("2025-07", "2025-08", "2025-09")
    }
    assert created["2025-08"] >= 1


def test_any_write_changes_the_version(world: World, db_session: Session) -> None:
    first = read_versions(db_session)
    update_enterprise(
        db_session, actor=SYSTEM, enterprise=world.enterprises[0], changes={"sector": "Khác"}
    )
    db_session.flush()
    second = read_versions(db_session)
    assert second.enterprises != first.enterprises
    assert (second.register, second.products) == (first.register, first.products)
    register = list(csv.reader(io.StringIO(world.register_csv), delimiter=";"))
    assert len(register) > 1
    import_population(db_session, actor=SYSTEM, data=world.register_csv.encode())
    db_session.flush()
    # The same register imported again: same count, ids possibly reused, new import time.
    assert read_versions(db_session).register != second.register


def test_a_fact_read_while_the_tables_changed_is_not_kept(
    world: World, db_session: Session
) -> None:
    computed: list[int] = []

    def compute() -> int:
        computed.append(1)
        return len(computed)

    stale = read_versions(db_session)
    make_product(db_session, enterprise=world.enterprises[0])
    db_session.flush()
    token = uuid.uuid4().hex
    key = (token, stale.database, stale.products)
    assert cached(db_session, stale, key, compute) == 1
    assert cached(db_session, stale, key, compute) == 2
    current = read_versions(db_session)
    key = (token, current.database, current.products)
    assert cached(db_session, current, key, compute) == 3
    assert cached(db_session, current, key, compute) == 3
