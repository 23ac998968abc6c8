"""Keeping the scan rollups up to date, batch by batch, in the scan writer's transaction.

`apply_scans` is called with every batch the scan recorder writes (same session, same
transaction), so the rollups are never behind the scan table. `registry.scans.rebuild`
recomputes them from the raw scans, in batches, through the same function.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Engine, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from registry.agents import COUNTED_AGENTS
from registry.products.models import Product
from registry.stats.models import (
    NO_ENTERPRISE,
    UNKNOWN,
    ScanMonthEnterprise,
    ScanMonthEnterprisePlace,
    ScanMonthPlace,
    ScanPeriodEnterprise,
    ScanPeriodProduct,
)
from registry.verdicts import GREEN_VERDICTS

# Vietnam keeps UTC+7 all year (no daylight saving): months and days are counted in it.
REPORTING_ZONE = dt.timezone(dt.timedelta(hours=7), "ICT")
_GTIN_CHUNK = 2000


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(REPORTING_ZONE).date()


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def period_keys(day: dt.date) -> tuple[str, str, str]:
    """The year, quarter and month `day` falls in, as `Period.key` writes them."""
    quarter = (day.month - 1) // 3 + 1
    return f"{day.year}", f"{day.year}-Q{quarter}", f"{day.year}-{day.month:02d}"


@dataclass(frozen=True)
class ScanFacts:
    """What the rollups need of one scan, whichever form it arrives in."""

    scanned_at: dt.datetime
    gtin: str
    verdict: str
    agent_class: str
    province_code: str | None
    ward_code: str | None


def _dialect(session: Session) -> str:
    bind = session.get_bind()
    return bind.dialect.name if isinstance(bind, Engine) else bind.engine.dialect.name


def upsert_adding(
    session: Session,
    table: Table,
    rows: list[dict[str, Any]],
    *,
    keys: Sequence[str],
    added: Sequence[str],
    earliest: Sequence[str] = (),
    latest: Sequence[str] = (),
) -> None:
    """Insert rows, or on a key conflict add `added` columns to what is there and keep
    the earliest/latest of the others: an atomic upsert, safe from several writers."""
    if not rows:
        return
    postgres = _dialect(session) == "postgresql"
    statement = (postgresql.insert if postgres else sqlite.insert)(table)
    least, greatest = (func.least, func.greatest) if postgres else (func.min, func.max)
    current, new = table.c, statement.excluded
    changes: dict[str, Any] = {name: current[name] + new[name] for name in added}
    changes |= {name: least(current[name], new[name]) for name in earliest}
    changes |= {name: greatest(current[name], new[name]) for name in latest}
    session.execute(statement.on_conflict_do_update(index_elements=keys, set_=changes), rows)


def _owners(session: Session, gtins: set[str]) -> dict[str, int]:
    owners: dict[str, int] = {}
    ordered = sorted(gtins)
    for start in range(0, len(ordered), _GTIN_CHUNK):
        chunk = ordered[start : start + _GTIN_CHUNK]
        rows = session.execute(
            select(Product.gtin, Product.enterprise_id).where(Product.gtin.in_(chunk))
        )
        owners.update({gtin: enterprise_id for gtin, enterprise_id in rows})
    return owners


def apply_scans(session: Session, scans: Iterable[ScanFacts]) -> int:
    """Add a batch of scans to the monthly rollups; returns how many were counted.

    Bots are not consumers and are left out, and so are repeats (a network's scans of a
    code past the day's cap, registry.scans.counting). Safe to call concurrently: every
    change is an atomic upsert that adds to what is there.
    """
    facts = [f for f in scans if f.agent_class in COUNTED_AGENTS]
    if not facts:
        return 0
    owners = _owners(session, {f.gtin for f in facts})
    by_product: Counter[tuple[str, str]] = Counter()
    warnings: Counter[tuple[str, str]] = Counter()
    by_place: Counter[tuple[dt.date, str, str, str]] = Counter()
    by_enterprise: Counter[tuple[dt.date, int]] = Counter()
    by_enterprise_place: Counter[tuple[dt.date, int, str, str]] = Counter()
    days: dict[tuple[dt.date, int], tuple[dt.date, dt.date]] = {}
    by_enterprise_period: Counter[tuple[str, int]] = Counter()
    last_days: dict[tuple[str, int], dt.date] = {}
    for fact in facts:
        day = local_day(fact.scanned_at)
        month = month_of(day)
        keys = period_keys(day)
        for period in keys:
            by_product[(period, fact.gtin)] += 1
            if fact.verdict not in GREEN_VERDICTS:
                warnings[(period, fact.gtin)] += 1
        place = (fact.province_code or UNKNOWN, fact.ward_code or UNKNOWN)
        by_place[(month, *place, fact.verdict)] += 1
        owner = owners.get(fact.gtin)
        if owner is not None:
            by_enterprise[(month, owner)] += 1
            first, last = days.get((month, owner), (day, day))
            days[(month, owner)] = (min(first, day), max(last, day))
            if place != (UNKNOWN, UNKNOWN):
                by_enterprise_place[(month, owner, *place)] += 1
            # Years and quarters only: months are read from the monthly rollup.
            for period in keys[:2]:
                by_enterprise_period[(period, owner)] += 1
                last_days[(period, owner)] = max(last_days.get((period, owner), day), day)
    _upsert_products(session, by_product, warnings, owners)
    _upsert_scan_counts(session, ScanMonthPlace, by_place)
    _upsert_enterprises(session, by_enterprise, days)
    _upsert_scan_counts(session, ScanMonthEnterprisePlace, by_enterprise_place)
    _upsert_enterprise_periods(session, by_enterprise_period, last_days)
    return len(facts)


def _upsert_products(
    session: Session,
    counts: Counter[tuple[str, str]],
    warnings: Counter[tuple[str, str]],
    owners: dict[str, int],
) -> None:
    rows = [
        {
            "period": period,
            "gtin": gtin,
            "enterprise_id": owners.get(gtin, NO_ENTERPRISE),
            "scan_count": count,
            "warning_count": warnings[(period, gtin)],
        }
        for (period, gtin), count in sorted(counts.items())
    ]
    upsert_adding(
        session,
        cast(Table, ScanPeriodProduct.__table__),
        rows,
        keys=["period", "gtin"],
        added=["scan_count", "warning_count"],
    )


def _upsert_scan_counts(
    session: Session,
    model: type[ScanMonthPlace | ScanMonthEnterprisePlace],
    counts: Counter[tuple[Any, ...]],
) -> None:
    """Add `counts`, keyed by the table's primary key in column order, to its scan_count."""
    table = cast(Table, model.__table__)
    keys = [column.name for column in table.primary_key.columns]
    rows = [
        {**dict(zip(keys, key, strict=True)), "scan_count": count}
        for key, count in sorted(counts.items())
    ]
    upsert_adding(session, table, rows, keys=keys, added=["scan_count"])


def _upsert_enterprises(
    session: Session,
    counts: Counter[tuple[dt.date, int]],
    days: dict[tuple[dt.date, int], tuple[dt.date, dt.date]],
) -> None:
    rows = [
        {
            "month": month,
            "enterprise_id": enterprise_id,
            "scan_count": count,
            "first_scanned_on": days[(month, enterprise_id)][0],
            "last_scanned_on": days[(month, enterprise_id)][1],
        }
        for (month, enterprise_id), count in sorted(counts.items())
    ]
    upsert_adding(
        session,
        cast(Table, ScanMonthEnterprise.__table__),
        rows,
        keys=["month", "enterprise_id"],
        added=["scan_count"],
        earliest=["first_scanned_on"],
        latest=["last_scanned_on"],
    )


def _upsert_enterprise_periods(
    session: Session, counts: Counter[tuple[str, int]], last_days: dict[tuple[str, int], dt.date]
) -> None:
    rows = [
        {
            "period": period,
            "enterprise_id": enterprise_id,
            "scan_count": count,
            "last_scanned_on": last_days[(period, enterprise_id)],
        }
        for (period, enterprise_id), count in sorted(counts.items())
    ]
    upsert_adding(
        session,
        cast(Table, ScanPeriodEnterprise.__table__),
        rows,
        keys=["period", "enterprise_id"],
        added=["scan_count"],
        latest=["last_scanned_on"],
    )


def move_scan_place(
    session: Session,
    *,
    scanned_at: dt.datetime,
    gtin: str,
    verdict: str,
    agent_class: str,
    before: tuple[str | None, str | None],
    after: tuple[str | None, str | None],
) -> None:
    """A stored scan got its place later (the consumer shared it): move its count.

    `before` and `after` are (province_code, ward_code).
    """
    if agent_class not in COUNTED_AGENTS or before == after:
        return
    month = month_of(local_day(scanned_at))
    old = (before[0] or UNKNOWN, before[1] or UNKNOWN)
    new = (after[0] or UNKNOWN, after[1] or UNKNOWN)
    _upsert_scan_counts(session, ScanMonthPlace, Counter({(month, *new, verdict): 1}))
    _take_one(session, session.get(ScanMonthPlace, (month, *old, verdict)))
    owner = _owners(session, {gtin}).get(gtin)
    if owner is None:
        return
    if new != (UNKNOWN, UNKNOWN):
        _upsert_scan_counts(session, ScanMonthEnterprisePlace, Counter({(month, owner, *new): 1}))
    _take_one(session, session.get(ScanMonthEnterprisePlace, (month, owner, *old)))


def _take_one(session: Session, row: ScanMonthPlace | ScanMonthEnterprisePlace | None) -> None:
    if row is not None:
        row.scan_count -= 1
        if row.scan_count <= 0:
            session.delete(row)
    session.flush()
