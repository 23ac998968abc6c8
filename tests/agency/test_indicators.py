"""Every number on the dashboard and in the exports, checked against a naive count of the
raw rows written in the test (no rollups, no code from registry.stats)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.enterprises.models import Enterprise
from registry.lots.models import Lot
from registry.print_runs.models import LabelRun
from registry.products.models import Product
from registry.scans.models import Scan
from registry.scans.rebuild import rebuild_rollups
from registry.stats.models import STATS_TABLES
from tests.agency.world import PERIOD, World, build_world

VN = dt.timezone(dt.timedelta(hours=7))
Q3 = (dt.date(2025, 7, 1), dt.date(2025, 10, 1))
Q2 = (dt.date(2025, 4, 1), dt.date(2025, 7, 1))
HTML = {"accept": "text/html"}


def local(moment: dt.datetime) -> dt.date:
    return moment.astimezone(VN).date()


def start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=VN)


class Naive:
    """Straight from the raw tables."""

    def __init__(self, session: Session, bounds: tuple[dt.date, dt.date], kind: str | None = None):
        self.first, self.end = bounds
        self.enterprises = [
            e for e in session.scalars(select(Enterprise)) if kind is None or e.kind.value == kind
        ]
        ours = {e.id for e in self.enterprises}
        self.products = [p for p in session.scalars(select(Product)) if p.enterprise_id in ours]
        self.owner = {p.gtin: p.enterprise_id for p in session.scalars(select(Product))}
        self.scans = [
            s
            for s in session.scalars(select(Scan))
            if s.agent_class != "bot"
            and self.first <= local(s.scanned_at) < self.end
            and (kind is None or self.owner.get(s.gtin) in ours)
        ]
        self.all_scans = list(session.scalars(select(Scan)))
        self.runs = [r for r in session.scalars(select(LabelRun)) if r.enterprise_id in ours]
        self.registered = {
            e.id
            for e in self.enterprises
            if e.status.value != "rejected" and e.created_at < start(self.end)
        }

    def value(self, key: str) -> float:
        end_at = start(self.end)
        if key == "registered":
            return len(self.registered)
        if key == "new_registered":
            return sum(
                1
                for e in self.enterprises
                if e.id in self.registered and e.created_at >= start(self.first)
            )
        if key == "verified":
            return sum(
                1
                for e in self.enterprises
                if e.status.value == "verified"
                and e.verified_at is not None
                and e.verified_at < end_at
            )
        if key == "active":
            return len(self.active())
        if key == "products":
            return sum(1 for p in self.products if p.created_at < end_at)
        if key == "labels":
            return sum(
                r.count
                for r in self.runs
                if r.voided_at is None and start(self.first) <= r.created_at < end_at
            )
        if key == "scans":
            return len(self.scans)
        raise KeyError(key)

    def active(self) -> set[int]:
        window = self.end - dt.timedelta(days=90)
        by_label = {
            r.enterprise_id
            for r in self.runs
            if r.voided_at is None and start(window) <= r.created_at < start(self.end)
        }
        by_scan = {
            self.owner[s.gtin]
            for s in self.all_scans
            if s.agent_class != "bot"
            and s.gtin in self.owner
            and window <= local(s.scanned_at) < self.end
        }
        return self.registered & (by_label | by_scan)


@pytest.fixture
def world(db_session: Session) -> World:
    return build_world(db_session)


def tile_values(html: str) -> dict[str, float]:
    return {
        key: float(value)
        for key, value in re.findall(
            r'id="indicator-([a-z_]+)">.*?data-value="([0-9.]+)"', html, flags=re.S
        )
    }


def test_dashboard_indicators_match_raw_rows(
    world: World, staff: TestClient, db_session: Session
) -> None:
    page = staff.get(f"/agency/?period={PERIOD}", headers=HTML)
    assert page.status_code == 200
    tiles = tile_values(page.text)
    naive, before = Naive(db_session, Q3), Naive(db_session, Q2)
    for key in (
        "registered",
        "new_registered",
        "verified",
        "active",
        "products",
        "labels",
        "scans",
    ):
        assert tiles[key] == naive.value(key), key
    # The edge cases the world was built around really are in play.
    assert naive.value("scans") != before.value("scans")
    assert world.enterprises[3].id not in naive.active()
    assert world.enterprises[3].id in naive.registered

    register = list(csv.reader(io.StringIO(world.register_csv), delimiter=";"))[1:]
    registered_codes = {e.tax_code for e in naive.enterprises if e.id in naive.registered}
    adopted = sum(1 for row in register if row[0] in registered_codes)
    assert tiles["population"] == len(register)
    assert tiles["adoption_rate"] == round(adopted / len(register) * 100, 1)
    lots_then = [lot for lot in db_session.scalars(select(Lot)) if lot.created_at < start(Q3[1])]
    assert tiles["traceability"] == round(1 / len(lots_then) * 100, 1)


@pytest.mark.parametrize(
    ("period", "bounds", "previous_start"),
    [
        # A month's 90-day window reaches back over earlier months (the monthly rollup).
        ("2025-09", (dt.date(2025, 9, 1), dt.date(2025, 10, 1)), dt.date(2025, 8, 1)),
        # A year's window lies inside it (the year × producer rollup), as a quarter's does.
        ("2025", (dt.date(2025, 1, 1), dt.date(2026, 1, 1)), dt.date(2024, 1, 1)),
    ],
)
def test_months_and_years_match_raw_rows(
    world: World,
    staff: TestClient,
    db_session: Session,
    period: str,
    bounds: tuple[dt.date, dt.date],
    previous_start: dt.date,
) -> None:
    tiles = tile_values(staff.get(f"/agency/?period={period}", headers=HTML).text)
    before = read_csv(staff.get(f"/agency/export/indicators.csv?period={period}&lang=en").content)
    previous_values = {row[0]: float(row[2] or 0) for row in before[1:]}
    naive = Naive(db_session, bounds)
    earlier = Naive(db_session, (previous_start, bounds[0]))
    names = {
        "registered": "Registered enterprises",
        "active": "Actively labelling",
        "scans": "Consumer scans",
    }
    for key, name in names.items():
        assert tiles[key] == naive.value(key), key
        assert previous_values[name] == earlier.value(key), key
    assert naive.value("active") > 0


def test_filtered_dashboard_matches_raw_rows(
    world: World, staff: TestClient, db_session: Session
) -> None:
    page = staff.get(f"/agency/?period={PERIOD}&kind=cooperative", headers=HTML)
    tiles = tile_values(page.text)
    naive = Naive(db_session, Q3, kind="cooperative")
    for key in ("registered", "verified", "active", "products", "labels", "scans"):
        assert tiles[key] == naive.value(key), key
    assert 'value="cooperative" selected' in page.text


def read_csv(response_bytes: bytes) -> list[list[str]]:
    assert response_bytes.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response_bytes.decode("utf-8-sig"))))


def read_xlsx(response_bytes: bytes) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(response_bytes)).worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def test_exports_match_each_other_and_raw_rows(
    world: World, staff: TestClient, db_session: Session
) -> None:
    naive = Naive(db_session, Q3)
    for name in (
        "indicators",
        "monthly",
        "by_ward",
        "by_sector",
        "by_kind",
        "top_products",
        "places",
        "verdicts",
    ):
        as_csv = read_csv(staff.get(f"/agency/export/{name}.csv?period={PERIOD}").content)
        as_xlsx = read_xlsx(staff.get(f"/agency/export/{name}.xlsx?period={PERIOD}").content)
        assert as_csv == as_xlsx, name
        assert len(as_csv) > 1, name

    monthly = read_csv(staff.get(f"/agency/export/monthly.csv?period={PERIOD}").content)
    per_month = Counter(local(s.scanned_at).strftime("%Y-%m") for s in naive.scans)
    assert {row[0]: int(row[5]) for row in monthly[1:]} == {
        m: per_month[m] for m in ("2025-07", "2025-08", "2025-09")
    }

    by_ward = read_csv(staff.get(f"/agency/export/by_ward.csv?period={PERIOD}").content)
    header = by_ward[0]
    scans_column, registered_column = header.index("Lượt quét"), header.index("Đăng ký")
    ward_of = {e.id: e.ward_code for e in naive.enterprises}
    names = {"28360": "Cái Bè", "28249": "Đạo Thạnh", "28261": "Mỹ Tho"}
    expected_scans = Counter(
        names[ward_of[naive.owner[s.gtin]]] for s in naive.scans if s.gtin in naive.owner
    )
    expected_registered = Counter(names[ward_of[i]] for i in naive.registered)
    assert {r[0]: int(r[scans_column]) for r in by_ward[1:]} == dict(expected_scans)
    assert {r[0]: int(r[registered_column]) for r in by_ward[1:]} == dict(expected_registered)

    top = read_csv(staff.get(f"/agency/export/top_products.csv?period={PERIOD}").content)
    counts = Counter(s.gtin for s in naive.scans)
    expected = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:20]
    assert [(r[1], int(r[4])) for r in top[1:]] == expected

    places = read_csv(staff.get(f"/agency/export/places.csv?period={PERIOD}&lang=en").content)
    assert places[0] == ["Province", "Ward", "Scans"]
    place_counts = Counter((s.province_code, s.ward_code) for s in naive.scans)
    assert sorted(int(r[2]) for r in places[1:]) == sorted(place_counts.values())


def test_sorting_is_kept_in_the_url(world: World, staff: TestClient) -> None:
    ascending = read_csv(
        staff.get(f"/agency/export/top_products.csv?period={PERIOD}&sort=scans").content
    )
    values = [int(r[4]) for r in ascending[1:]]
    assert values == sorted(values)
    page = staff.get(f"/agency/tables/by_kind?period={PERIOD}&sort=-registered", headers=HTML)
    assert page.status_code == 200
    assert 'aria-sort="descending"' in page.text
    assert "period=2025-Q3" in page.text


def test_rebuild_gives_the_incremental_rollups(world: World, db_session: Session) -> None:
    def contents() -> list[list[tuple[object, ...]]]:
        return [
            sorted(tuple(row) for row in db_session.execute(select(*table.c)))
            for table in STATS_TABLES
        ]

    incremental = contents()
    rebuild_rollups(db_session, batch_size=50)
    assert contents() == incremental
    assert incremental[0]
