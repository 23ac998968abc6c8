"""The rollup bookkeeping itself: upserts that add up, a place shared later, period keys."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.errors import InvalidInput
from registry.scans.recorder import Place, ScanRecord
from registry.stats.models import (
    ScanMonthEnterprise,
    ScanMonthPlace,
    ScanPeriodEnterprise,
    ScanPeriodProduct,
)
from registry.stats.periods import Period
from registry.stats.rollups import apply_scans, move_scan_place, period_keys
from tests.factories import make_enterprise, make_product


def scan(
    at: str, gtin: str, *, verdict: str = "genuine", agent: str = "mobile", place: Place = Place()
) -> ScanRecord:
    moment = dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC)
    return ScanRecord(moment, gtin, None, None, verdict, "a" * 32, agent, place)


def test_batches_add_up_and_bots_are_left_out(db_session: Session) -> None:
    enterprise = make_enterprise(db_session)
    product = make_product(db_session, enterprise=enterprise)
    first = [
        scan("2025-03-31T16:59:00", product.gtin),
        scan("2025-03-31T17:00:00", product.gtin),
        scan("2025-04-02T00:00:00", product.gtin, verdict="expired"),
        scan("2025-04-03T00:00:00", product.gtin, agent="bot"),
    ]
    second = [scan("2025-04-20T00:00:00", product.gtin)]
    for batch in (first, second):
        assert apply_scans(db_session, [r.facts() for r in batch]) == len(
            [r for r in batch if r.agent_class != "bot"]
        )
    counts = dict(
        db_session.execute(
            select(ScanPeriodProduct.period, ScanPeriodProduct.scan_count).where(
                ScanPeriodProduct.gtin == product.gtin
            )
        ).all()
    )
    # 16:59 UTC on 31 March is 23:59 in Vietnam (March); 17:00 UTC is already April.
    assert counts == {"2025": 4, "2025-Q1": 1, "2025-03": 1, "2025-Q2": 3, "2025-04": 3}
    april = db_session.get(ScanMonthEnterprise, (dt.date(2025, 4, 1), enterprise.id))
    assert april is not None and april.scan_count == 3
    assert (april.first_scanned_on, april.last_scanned_on) == (
        dt.date(2025, 4, 1),
        dt.date(2025, 4, 20),
    )
    warnings = db_session.get(ScanPeriodProduct, ("2025-04", product.gtin))
    assert warnings is not None and warnings.warning_count == 1
    by_period = {
        row.period: (row.scan_count, row.last_scanned_on)
        for row in db_session.scalars(
            select(ScanPeriodEnterprise).where(ScanPeriodEnterprise.enterprise_id == enterprise.id)
        )
    }
    # Quarters and years only: a month's activity window reaches back before it.
    assert by_period == {
        "2025": (4, dt.date(2025, 4, 20)),
        "2025-Q1": (1, dt.date(2025, 3, 31)),
        "2025-Q2": (3, dt.date(2025, 4, 20)),
    }


def test_a_place_shared_later_moves_the_count(db_session: Session) -> None:
    record = scan("2025-05-05T03:00:00", "08930000000017")
    apply_scans(db_session, [record.facts()])
    move_scan_place(
        db_session,
        scanned_at=record.scanned_at,
        gtin=record.gtin,
        verdict="genuine",
        agent_class="mobile",
        before=(None, None),
        after=("82", "28360"),
    )
    rows = {
        (r.province_code, r.ward_code): r.scan_count
        for r in db_session.scalars(
            select(ScanMonthPlace).where(ScanMonthPlace.month == dt.date(2025, 5, 1))
        )
    }
    assert rows == {("82", "28360"): 1}


@pytest.mark.parametrize("text", ["2025", "2025-Q2", "2025-05"])
def test_period_keys_match_periods(text: str) -> None:
    period = Period.parse(text)
    assert period.key == text
    for day in (period.start, period.last_day):
        assert text in period_keys(day)
    assert period.previous().end == period.start


def test_bad_period_is_refused_in_both_languages() -> None:
    with pytest.raises(InvalidInput) as error:
        Period.parse("2025-Q5")
    assert "Kỳ báo cáo" in error.value.message_vi and "period" in error.value.message_en
