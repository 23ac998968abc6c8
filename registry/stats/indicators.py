"""Adoption indicators for a period, read from the rollups and from small tables.

Scan counts come only from the monthly rollups (`registry/stats/rollups.py`), never
from the scan table. Enterprises, products, label runs, lots and the imported
register are thousands of rows, so they are read directly and folded in Python;
that keeps every breakdown consistent with the totals by construction. What is read
from enterprises, products and the register is kept between page views while those
tables are unchanged (`registry/stats/facts_cache.py`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import repeat
from typing import Any

from sqlalchemy import String, and_, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from registry.enterprises.models import Enterprise, EnterpriseStatus
from registry.population.models import PopulationEntry
from registry.print_runs.models import LabelRun
from registry.products.models import Product
from registry.stats.facts_cache import Versions, cached, read_versions
from registry.stats.groups import EnterpriseFacts, Groups, RegisterFacts, group_facts
from registry.stats.models import (
    ScanMonthEnterprise,
    ScanMonthPlace,
    ScanPeriodEnterprise,
    ScanPeriodProduct,
)
from registry.stats.periods import Period, local_midnight
from registry.stats.rollups import local_day, month_of
from registry.stats.traceability import complete_lot_counts

ACTIVE_WINDOW_DAYS = 90


@dataclass(frozen=True)
class Filters:
    """Narrow the statistics to enterprises (and register entries) of a ward, sector, type."""

    ward_code: str | None = None
    sector: str | None = None
    kind: str | None = None

    @property
    def any(self) -> bool:
        return bool(self.ward_code or self.sector or self.kind)

    def matches(self, ward_code: str | None, sector: str | None, kind: str | None) -> bool:
        return (
            (not self.ward_code or ward_code == self.ward_code)
            and (not self.sector or sector == self.sector)
            and (not self.kind or kind == self.kind)
        )

    def enterprise_conditions(self) -> list[Any]:
        conditions: list[Any] = []
        if self.ward_code:
            conditions.append(Enterprise.ward_code == self.ward_code)
        if self.sector:
            conditions.append(Enterprise.sector == self.sector)
        if self.kind:
            conditions.append(Enterprise.kind == self.kind)
        return conditions


@dataclass
class EnterpriseActivity:
    """Per-enterprise values at the end of (or during) one period."""

    registered: set[int] = field(default_factory=set)
    verified: set[int] = field(default_factory=set)
    active: set[int] = field(default_factory=set)
    new_registered: set[int] = field(default_factory=set)
    products: Counter[int] = field(default_factory=Counter)
    labels: Counter[int] = field(default_factory=Counter)
    scans: Counter[int] = field(default_factory=Counter)


@dataclass(frozen=True)
class Indicator:
    key: str
    value: float
    previous: float | None
    percent: bool = False

    @property
    def change(self) -> float | None:
        """Relative change in %, or for a share the change in percentage points."""
        if self.previous is None:
            return None
        if self.percent:
            return self.value - self.previous
        if self.previous == 0:
            return None
        return (self.value - self.previous) / self.previous * 100


# key: (name vi, name en, definition vi, definition en)
DEFINITIONS: dict[str, tuple[str, str, str, str]] = {
    "registered": (
        "Doanh nghiệp đăng ký",
        "Registered enterprises",
        "Doanh nghiệp, hợp tác xã, hộ kinh doanh có hồ sơ tạo trước cuối kỳ, "
        "không tính hồ sơ bị từ chối.",
        "Companies, cooperatives and households registered before the end of the period, "
        "rejected applications excluded.",
    ),
    "new_registered": (
        "Đăng ký mới trong kỳ",
        "New registrations",
        "Hồ sơ tạo trong kỳ, không tính hồ sơ bị từ chối.",
        "Registrations made during the period, rejected ones excluded.",
    ),
    "verified": (
        "Đã xác minh",
        "Verified",
        "Doanh nghiệp đang ở trạng thái đã xác minh, được xác minh trước cuối kỳ.",
        "Enterprises whose status is verified, verified before the end of the period.",
    ),
    "active": (
        "Đang dán nhãn",
        "Actively labelling",
        f"Doanh nghiệp đăng ký có đợt in nhãn (không hủy) hoặc có lượt quét của người tiêu "
        f"dùng trong {ACTIVE_WINDOW_DAYS} ngày cuối kỳ.",
        f"Registered enterprises with a (not voided) print run or a consumer scan in the "
        f"last {ACTIVE_WINDOW_DAYS} days of the period.",
    ),
    "population": (
        "Cơ sở trong danh bạ tỉnh",
        "Businesses in the provincial register",
        "Số cơ sở trong danh bạ doanh nghiệp do Chi cục nhập (lần nhập gần nhất).",
        "Businesses in the register the agency imported (latest import).",
    ),
    "adoption_rate": (
        "Tỷ lệ tham gia",
        "Adoption rate",
        "Số cơ sở trong danh bạ đã đăng ký (theo mã số thuế) chia cho số cơ sở trong danh bạ.",
        "Register entries whose tax code is a registered enterprise, divided by the number "
        "of register entries.",
    ),
    "active_rate": (
        "Tỷ lệ đang dán nhãn",
        "Actively labelling rate",
        "Số cơ sở trong danh bạ đang dán nhãn chia cho số cơ sở trong danh bạ.",
        "Register entries that are actively labelling, divided by register entries.",
    ),
    "products": (
        "Sản phẩm được cấp mã",
        "Products coded",
        "Sản phẩm (GTIN) của các doanh nghiệp, tạo trước cuối kỳ.",
        "Products (GTINs) of the enterprises, created before the end of the period.",
    ),
    "labels": (
        "Nhãn đã phát hành",
        "Labels issued",
        "Tổng số nhãn của các đợt in tạo trong kỳ, không tính đợt đã hủy.",
        "Labels in print runs created during the period, voided runs excluded.",
    ),
    "scans": (
        "Lượt quét của người tiêu dùng",
        "Consumer scans",
        "Lượt quét mã trong kỳ, không tính máy tự động (bot). Khi có bộ lọc: chỉ mã của "
        "các doanh nghiệp được lọc.",
        "Code scans during the period, bots excluded. With filters: only the filtered "
        "enterprises' codes.",
    ),
    "traceability": (
        "Mức đầy đủ truy xuất",
        "Traceability completeness",
        "Tỷ lệ lô hàng (tạo trước cuối kỳ) có đủ chuỗi sự kiện thu hoạch – đóng gói – xuất "
        "hàng đến cuối kỳ; thu hoạch có thể ghi cho lô nguyên liệu ngay trước đó.",
        "Share of lots (created before the end) with a full harvest – pack – ship chain of "
        "events by the end; the harvest may be recorded on the input lot one step back.",
    ),
}


def load_enterprises(session: Session, filters: Filters) -> list[EnterpriseFacts]:
    statement = select(
        Enterprise.id,
        Enterprise.tax_code,
        Enterprise.legal_name,
        Enterprise.ward_code,
        Enterprise.sector,
        # Plain strings: converting 3,000 rows to enum members costs more than the query.
        type_coerce(Enterprise.kind, String).label("kind"),
        type_coerce(Enterprise.status, String).label("status"),
        Enterprise.created_at,
        Enterprise.verified_at,
    ).where(*filters.enterprise_conditions())
    return [
        EnterpriseFacts(
            id=row.id,
            tax_code=row.tax_code,
            name=row.legal_name,
            ward_code=row.ward_code,
            sector=row.sector,
            kind=row.kind,
            status=row.status,
            created_at=row.created_at,
            verified_at=row.verified_at,
        )
        for row in session.execute(statement)
    ]


def load_register(session: Session, filters: Filters) -> list[RegisterFacts]:
    rows = session.execute(
        select(
            PopulationEntry.tax_code,
            PopulationEntry.ward_code,
            PopulationEntry.sector,
            PopulationEntry.kind,
        )
    )
    facts = [RegisterFacts(*row) for row in rows]
    return [f for f in facts if filters.matches(f.ward_code, f.sector, f.kind)]


@dataclass(frozen=True)
class EnterpriseSide:
    """What the enterprise rows alone say about one period (no other table involved)."""

    registered: frozenset[int]
    new_registered: frozenset[int]
    verified: frozenset[int]
    registrations_by_month: Counter[dt.date]
    verifications_by_month: Counter[dt.date]


def enterprise_side(enterprises: list[EnterpriseFacts], period: Period) -> EnterpriseSide:
    start_at, end_at = period.start_at, period.end_at
    registered: set[int] = set()
    new_registered: set[int] = set()
    verified: set[int] = set()
    registrations: Counter[dt.date] = Counter()
    verifications: Counter[dt.date] = Counter()
    for e in enterprises:
        if e.status == EnterpriseStatus.rejected.value:
            continue
        if start_at <= e.created_at < end_at:
            registrations[month_of(local_day(e.created_at))] += 1
        if e.status == EnterpriseStatus.verified.value and e.verified_at is not None:
            if start_at <= e.verified_at < end_at:
                verifications[month_of(local_day(e.verified_at))] += 1
            if e.verified_at < end_at and e.created_at < end_at:
                verified.add(e.id)
        if e.created_at >= end_at:
            continue
        registered.add(e.id)
        if e.created_at >= start_at:
            new_registered.add(e.id)
    return EnterpriseSide(
        frozenset(registered),
        frozenset(new_registered),
        frozenset(verified),
        registrations,
        verifications,
    )


def cached_enterprise_side(
    session: Session,
    enterprises: list[EnterpriseFacts],
    period: Period,
    *,
    filters: Filters,
    versions: Versions,
) -> EnterpriseSide:
    return cached(
        session,
        versions,
        ("enterprise_side", versions.database, versions.enterprises, filters, period),
        lambda: enterprise_side(enterprises, period),
    )


def products_before(session: Session, end_at: dt.datetime) -> dict[int, int]:
    """Products per enterprise created before `end_at`."""
    return {
        enterprise_id: int(total)
        for enterprise_id, total in session.execute(
            select(Product.enterprise_id, func.count())
            .where(Product.created_at < end_at)
            .group_by(Product.enterprise_id)
        )
    }


def cached_products_before(
    session: Session, end_at: dt.datetime, *, versions: Versions
) -> dict[int, int]:
    return cached(
        session,
        versions,
        ("products_before", versions.database, versions.products, end_at),
        lambda: products_before(session, end_at),
    )


def new_products_by_month(session: Session, period: Period) -> Counter[tuple[int, dt.date]]:
    """Products created in each month of the period, per enterprise."""
    counts: Counter[tuple[int, dt.date]] = Counter()
    for enterprise_id, created_at in session.execute(
        select(Product.enterprise_id, Product.created_at).where(
            Product.created_at >= period.start_at, Product.created_at < period.end_at
        )
    ):
        counts[(enterprise_id, month_of(local_day(created_at)))] += 1
    return counts


def activity(
    session: Session,
    period: Period,
    enterprises: list[EnterpriseFacts],
    *,
    filters: Filters,
    versions: Versions | None = None,
) -> EnterpriseActivity:
    """`activities` for one period."""
    [result] = activities(session, [period], enterprises, filters=filters, versions=versions)
    return result


def activities(
    session: Session,
    periods: list[Period],
    enterprises: list[EnterpriseFacts],
    *,
    filters: Filters,
    versions: Versions | None = None,
) -> list[EnterpriseActivity]:
    """Per-enterprise values for each of `periods` from two grouped reads (label runs and
    the scan rollup), each one pass over the rows of all the periods, plus cached product
    counts. The dashboard asks for a period and the one before it (for growth) together.

    `enterprises` are those `load_enterprises` gives for `filters` (part of the cache key).
    """
    ids = {e.id for e in enterprises}
    versions = versions or read_versions(session)
    windows = [period.last_day - dt.timedelta(days=ACTIVE_WINDOW_DAYS - 1) for period in periods]
    results = []
    for period in periods:
        side = cached_enterprise_side(
            session, enterprises, period, filters=filters, versions=versions
        )
        result = EnterpriseActivity(
            registered=set(side.registered),
            verified=set(side.verified),
            new_registered=set(side.new_registered),
        )
        products = cached_products_before(session, period.end_at, versions=versions)
        result.products.update({i: n for i, n in products.items() if i in ids})
        results.append(result)
    labelling = _labelling(session, periods, windows, ids=ids, results=results)
    scanned = _scanned(session, periods, windows, ids=ids, results=results)
    for result, labelled, scanned_ids in zip(results, labelling, scanned, strict=True):
        result.active = result.registered & (labelled | scanned_ids)
    return results


def _labelling(
    session: Session,
    periods: list[Period],
    windows: list[dt.date],
    *,
    ids: set[int],
    results: list[EnterpriseActivity],
) -> list[set[int]]:
    """Adds labels issued per enterprise to `results`; returns who printed in each window."""
    columns = []
    for period, window_start in zip(periods, windows, strict=True):
        created_at = LabelRun.created_at
        in_period = and_(created_at >= period.start_at, created_at < period.end_at)
        in_window = and_(created_at >= local_midnight(window_start), created_at < period.end_at)
        columns += [func.sum(LabelRun.count).filter(in_period), func.count().filter(in_window)]
    earliest = min(min(p.start, w) for p, w in zip(periods, windows, strict=True))
    rows = (
        session.connection()
        .execute(
            select(LabelRun.enterprise_id, *columns)
            .where(
                LabelRun.created_at >= local_midnight(earliest),
                LabelRun.created_at < max(p.end_at for p in periods),
                LabelRun.voided_at.is_(None),
            )
            .group_by(LabelRun.enterprise_id)
        )
        .all()
    )
    return _fold(rows, ids=ids, counters=[r.labels for r in results])


def _scanned(
    session: Session,
    periods: list[Period],
    windows: list[dt.date],
    *,
    ids: set[int],
    results: list[EnterpriseActivity],
) -> list[set[int]]:
    """Adds scans per enterprise to `results`; returns who was scanned in each window."""
    if all(period.kind != "month" for period in periods):
        return _scanned_in_periods(session, periods, windows, ids=ids, results=results)
    return _scanned_in_months(session, periods, windows, ids=ids, results=results)


def _scanned_in_periods(
    session: Session,
    periods: list[Period],
    windows: list[dt.date],
    *,
    ids: set[int],
    results: list[EnterpriseActivity],
) -> list[set[int]]:
    """Quarters and years: their window lies inside them (a quarter has at least 90 days),
    so the period's last scan day says whether the window saw a scan."""
    rollup = ScanPeriodEnterprise
    columns = []
    for period, window_start in zip(periods, windows, strict=True):
        this_period = rollup.period == period.key
        in_window = and_(this_period, rollup.last_scanned_on >= window_start)
        columns += [func.sum(rollup.scan_count).filter(this_period), func.count().filter(in_window)]
    # Core rows fetched at once: thousands of them, and no ORM entities to build.
    rows = (
        session.connection()
        .execute(
            select(rollup.enterprise_id, *columns)
            .where(rollup.period.in_([period.key for period in periods]))
            .group_by(rollup.enterprise_id)
        )
        .all()
    )
    return _fold(rows, ids=ids, counters=[r.scans for r in results])


def _scanned_in_months(
    session: Session,
    periods: list[Period],
    windows: list[dt.date],
    *,
    ids: set[int],
    results: list[EnterpriseActivity],
) -> list[set[int]]:
    """A month row counts for the window when the month starts inside it, or when it is the
    month the window starts in and its last scan is on or after the window's first day."""
    rollup = ScanMonthEnterprise
    columns = []
    for period, window_start in zip(periods, windows, strict=True):
        first_month = month_of(window_start)
        in_period = and_(rollup.month >= period.start, rollup.month < period.end)
        in_window = and_(
            rollup.month < period.end,
            or_(
                rollup.month > first_month,
                and_(rollup.month == first_month, rollup.last_scanned_on >= window_start),
            ),
        )
        columns += [func.sum(rollup.scan_count).filter(in_period), func.count().filter(in_window)]
    first = min(min(p.start, month_of(w)) for p, w in zip(periods, windows, strict=True))
    rows = (
        session.connection()
        .execute(
            select(rollup.enterprise_id, *columns)
            .where(rollup.month >= first, rollup.month < max(p.end for p in periods))
            .group_by(rollup.enterprise_id)
        )
        .all()
    )
    return _fold(rows, ids=ids, counters=[r.scans for r in results])


def _fold(rows: Sequence[Any], *, ids: set[int], counters: list[Counter[int]]) -> list[set[int]]:
    """Rows of (enterprise id, then per period: a total and a count in the window)."""
    ours = [row for row in rows if row[0] in ids]
    in_window = []
    for index, counter in enumerate(counters):
        total, seen = 1 + 2 * index, 2 + 2 * index
        counter.update({row[0]: int(row[total]) for row in ours if row[total]})
        in_window.append({row[0] for row in ours if row[seen]})
    return in_window


def total_scans(session: Session, period: Period) -> int:
    """Every consumer scan of the period, registered codes or not (the place rollup)."""
    value = session.scalar(
        select(func.coalesce(func.sum(ScanMonthPlace.scan_count), 0)).where(
            ScanMonthPlace.month >= period.start, ScanMonthPlace.month < period.end
        )
    )
    return int(value or 0)


@dataclass(frozen=True)
class Snapshot:
    """What one period's indicators are folded from, loaded once per page."""

    period: Period
    filters: Filters
    versions: Versions
    enterprises: list[EnterpriseFacts]
    register: list[RegisterFacts]
    activity: EnterpriseActivity
    groups: Groups
    # The period before, when it was asked for (`with_previous`): read in the same passes.
    earlier: Snapshot | None = None

    @cached_property
    def registered_codes(self) -> set[str]:
        return self.groups.codes_of(self.activity.registered)

    @classmethod
    def take(
        cls, session: Session, period: Period, filters: Filters, *, with_previous: bool = False
    ) -> Snapshot:
        versions = read_versions(session)
        enterprises = cached(
            session,
            versions,
            ("enterprises", versions.database, versions.enterprises, filters),
            lambda: load_enterprises(session, filters),
        )
        register = cached(
            session,
            versions,
            ("register", versions.database, versions.register, filters),
            lambda: load_register(session, filters),
        )
        groups = cached(
            session,
            versions,
            ("groups", versions.database, versions.enterprises, versions.register, filters),
            lambda: group_facts(enterprises, register),
        )
        periods = [period, period.previous()] if with_previous else [period]
        found = activities(session, periods, enterprises, filters=filters, versions=versions)
        earlier = None
        if with_previous:
            earlier = cls(periods[1], filters, versions, enterprises, register, found[1], groups)
        return cls(period, filters, versions, enterprises, register, found[0], groups, earlier)

    def previous(self, session: Session) -> Snapshot:
        """The period before, from the same enterprises and register."""
        if self.earlier is not None:
            return self.earlier
        period = self.period.previous()
        found = activity(
            session, period, self.enterprises, filters=self.filters, versions=self.versions
        )
        return Snapshot(
            period, self.filters, self.versions, self.enterprises, self.register, found, self.groups
        )


def _share(part: int, whole: int) -> float:
    return round(part / whole * 100, 1) if whole else 0.0


def overview(session: Session, snapshot: Snapshot) -> dict[str, float]:
    """The headline values for one period (no growth)."""
    act, register, groups = snapshot.activity, snapshot.register, snapshot.groups
    registered_codes = snapshot.registered_codes
    active_codes = groups.codes_of(act.active)
    adopted = sum(map(registered_codes.__contains__, groups.register_codes))
    adopted_active = sum(map(active_codes.__contains__, groups.register_codes))
    lots, complete = complete_lot_counts(
        session,
        end_at=snapshot.period.end_at,
        enterprise_ids=set(groups.tax_codes) if snapshot.filters.any else None,
    )
    if snapshot.filters.any:
        scans = sum(act.scans.values())
    else:
        scans = total_scans(session, snapshot.period)
    return {
        "registered": len(act.registered),
        "new_registered": len(act.new_registered),
        "verified": len(act.verified),
        "active": len(act.active),
        "population": len(register),
        "adoption_rate": _share(adopted, len(register)),
        "active_rate": _share(adopted_active, len(register)),
        "products": sum(act.products.values()),
        "labels": sum(act.labels.values()),
        "scans": scans,
        "traceability": _share(complete, lots),
        "lots": lots,
        "complete_lots": complete,
    }


PERCENT_KEYS = frozenset({"adoption_rate", "active_rate", "traceability"})


def indicators(session: Session, snapshot: Snapshot) -> list[Indicator]:
    """Every defined indicator with its value in the previous period."""
    now = overview(session, snapshot)
    before = overview(session, snapshot.previous(session))
    return [
        Indicator(key, now[key], before[key], percent=key in PERCENT_KEYS) for key in DEFINITIONS
    ]


def breakdown(snapshot: Snapshot, *, by: str) -> list[dict[str, Any]]:
    """One row per ward, sector or enterprise type: enterprise-side counts grouped by the
    enterprise's attribute, register-side counts by the register entry's attribute."""
    act = snapshot.activity
    registered_codes = snapshot.registered_codes
    enterprise_groups = snapshot.groups.enterprises[by]
    register_groups = snapshot.groups.register[by]
    result = []
    # Enterprise groups first, then register-only ones, as the rows were always ordered.
    for key in dict.fromkeys([*enterprise_groups, *register_groups]):
        ids = enterprise_groups.get(key, ())
        codes = register_groups.get(key, ())
        row: dict[str, Any] = {
            "population": len(codes),
            "adopted": sum(map(registered_codes.__contains__, codes)),
            "registered": len(act.registered.intersection(ids)),
            "verified": len(act.verified.intersection(ids)),
            "active": len(act.active.intersection(ids)),
            "products": sum(map(act.products.get, ids, repeat(0))),
            "labels": sum(map(act.labels.get, ids, repeat(0))),
            "scans": sum(map(act.scans.get, ids, repeat(0))),
        }
        if not any(row.values()):
            continue
        row["key"] = key
        row["adoption_rate"] = _share(row["adopted"], row["population"])
        result.append(row)
    return result


def monthly(session: Session, snapshot: Snapshot) -> list[dict[str, Any]]:
    """Flows per month of the period: new registrations, verifications, new products,
    labels issued, consumer scans."""
    period, filters = snapshot.period, snapshot.filters
    rows: dict[dt.date, dict[str, Any]] = {
        m: {
            "month": m,
            "new_registered": 0,
            "verified": 0,
            "new_products": 0,
            "labels": 0,
            "scans": 0,
        }
        for m in period.months
    }

    def bucket(moment: dt.datetime | None) -> dict[str, Any] | None:
        if moment is None:
            return None
        return rows.get(month_of(local_day(moment)))

    ours = {e.id for e in snapshot.enterprises}
    versions = snapshot.versions
    side = cached_enterprise_side(
        session, snapshot.enterprises, period, filters=filters, versions=versions
    )
    for month, count in side.registrations_by_month.items():
        rows[month]["new_registered"] += count
    for month, count in side.verifications_by_month.items():
        rows[month]["verified"] += count
    new_products = cached(
        session,
        versions,
        ("new_products_by_month", versions.database, versions.products, period),
        lambda: new_products_by_month(session, period),
    )
    for (enterprise_id, month), count in new_products.items():
        if enterprise_id in ours:
            rows[month]["new_products"] += count
    in_period = (period.start_at, period.end_at)
    for enterprise_id, created_at, count in session.execute(
        select(LabelRun.enterprise_id, LabelRun.created_at, LabelRun.count).where(
            LabelRun.created_at >= in_period[0],
            LabelRun.created_at < in_period[1],
            LabelRun.voided_at.is_(None),
        )
    ):
        if enterprise_id in ours and (row := bucket(created_at)) is not None:
            row["labels"] += count
    if filters.any:
        scan_rows = session.execute(
            select(
                ScanMonthEnterprise.month,
                ScanMonthEnterprise.enterprise_id,
                ScanMonthEnterprise.scan_count,
            ).where(
                ScanMonthEnterprise.month >= period.start, ScanMonthEnterprise.month < period.end
            )
        )
        for month, enterprise_id, count in scan_rows:
            if enterprise_id in ours:
                rows[month]["scans"] += count
    else:
        for month, count in session.execute(
            select(ScanMonthPlace.month, func.sum(ScanMonthPlace.scan_count))
            .where(ScanMonthPlace.month >= period.start, ScanMonthPlace.month < period.end)
            .group_by(ScanMonthPlace.month)
        ):
            rows[month]["scans"] = int(count or 0)
    return list(rows.values())


def top_products(
    session: Session, period: Period, filters: Filters, *, limit: int = 20
) -> list[dict[str, Any]]:
    rollup = ScanPeriodProduct
    statement = (
        select(rollup.gtin, rollup.scan_count, rollup.warning_count)
        .where(rollup.period == period.key)
        .order_by(rollup.scan_count.desc(), rollup.gtin)
        .limit(limit)
    )
    if filters.any:
        statement = statement.join(Enterprise, Enterprise.id == rollup.enterprise_id).where(
            *filters.enterprise_conditions()
        )
    ranked = session.execute(statement).all()
    names = {
        row.gtin: row
        for row in session.execute(
            select(Product.gtin, Product.name_vi, Product.name_en, Enterprise.legal_name)
            .join(Enterprise, Enterprise.id == Product.enterprise_id)
            .where(Product.gtin.in_([r.gtin for r in ranked]))
        )
    }
    result = []
    for rank, row in enumerate(ranked, start=1):
        known = names.get(row.gtin)
        result.append(
            {
                "rank": rank,
                "gtin": row.gtin,
                "name_vi": known.name_vi if known else None,
                "name_en": (known.name_en or known.name_vi) if known else None,
                "enterprise": known.legal_name if known else None,
                "scans": int(row.scan_count),
                "warnings": int(row.warning_count),
            }
        )
    return result


def scans_by_place(session: Session, period: Period) -> list[dict[str, Any]]:
    """Where consumers were when they scanned (when they shared it); not filtered."""
    total = func.sum(ScanMonthPlace.scan_count)
    rows = session.execute(
        select(ScanMonthPlace.province_code, ScanMonthPlace.ward_code, total)
        .where(ScanMonthPlace.month >= period.start, ScanMonthPlace.month < period.end)
        .group_by(ScanMonthPlace.province_code, ScanMonthPlace.ward_code)
    )
    return [
        {"province_code": p or None, "ward_code": w or None, "scans": int(n or 0)}
        for p, w, n in rows
    ]


def scans_by_verdict(session: Session, period: Period) -> dict[str, int]:
    """What consumers were shown, from the place rollup; not filtered."""
    statement = (
        select(ScanMonthPlace.verdict, func.sum(ScanMonthPlace.scan_count))
        .where(ScanMonthPlace.month >= period.start, ScanMonthPlace.month < period.end)
        .group_by(ScanMonthPlace.verdict)
    )
    return {verdict: int(n or 0) for verdict, n in session.execute(statement)}


def distinct_sectors(session: Session, *, versions: Versions | None = None) -> list[str]:
    versions = versions or read_versions(session)
    sectors = cached(
        session,
        versions,
        ("sectors", versions.database, versions.enterprises, versions.register),
        lambda: _read_sectors(session),
    )
    return list(sectors)


def _read_sectors(session: Session) -> list[str]:
    values: Iterable[str | None] = session.scalars(
        select(Enterprise.sector).where(Enterprise.sector.is_not(None)).distinct()
    )
    register: Iterable[str | None] = session.scalars(
        select(PopulationEntry.sector).where(PopulationEntry.sector.is_not(None)).distinct()
    )
    return sorted({v for v in (*values, *register) if v})
