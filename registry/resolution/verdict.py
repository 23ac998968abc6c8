"""What a scan of a product, lot or serial means: one verdict, and the rows behind it.

The verdict is decided from a handful of indexed reads, each cached for the lot: the
product with its producer and the lot (one query), an active recall (one), the lot's
print runs (one) and its busy serials' scans (one; a serial's own, also one, only when
it may be a suspicious copy).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, lazyload

from registry.enterprises.models import Enterprise, EnterpriseStatus
from registry.gs1 import DigitalLink
from registry.links.models import ResolverLink
from registry.links.service import links_under
from registry.lots.models import Lot, LotStatus
from registry.print_runs import serials
from registry.print_runs.models import LabelRun
from registry.print_runs.service import SerialStatus
from registry.products.models import Product, ProductStatus
from registry.recalls.models import Recall
from registry.resolution.cache import Refresher, TTLCache
from registry.resolution.verdict_table import verdict_of_unknown_gtin
from registry.scans.recorder import ScanRecorder
from registry.scans.service import (
    Quiet,
    SerialActivity,
    Thresholds,
    busy_serial_activity,
    is_suspicious,
    rollup_activity,
    with_recent,
)
from registry.verdicts import Verdict

ROLLUP_TTL_SECONDS = 30.0
# A lot's busy serials (scanned from more networks or devices than a household's), up to
# this many, are read and cached together, so a scan of any other serial of the lot
# (most scans: a serial's first) needs no database read. About 2 MB per lot at the
# limit; at most LOT_ROLLUP_ENTRIES lots are kept.
LOT_ROLLUP_LIMIT = 10_000
LOT_ROLLUP_ENTRIES = 64
PAGE_BODY_TTL_SECONDS = 60.0
PAGE_BODY_ENTRIES = 10_000  # a page is 2-4 KB: 40 MB at most


@dataclass(frozen=True)
class RunWindow:
    """The part of a print run a serial check needs."""

    first_index: int
    count: int
    mac_key: bytes
    voided: bool


@dataclass(frozen=True)
class ItemSnapshot:
    """What the registry holds about a GTIN and one of its lots, read at once."""

    product: Product | None
    lot: Lot | None
    recall: Recall | None
    runs: tuple[RunWindow, ...]


class ResolverCaches:
    """Per-process caches of the hot path (registry.resolution.cache), refreshed in
    the background by `refresher` when there is one."""

    def __init__(self, refresher: Refresher | None = None) -> None:
        self.refresher = refresher
        self.items: TTLCache[ItemSnapshot] = TTLCache(refresher=refresher)
        self.links: TTLCache[tuple[ResolverLink, ...]] = TTLCache(refresher=refresher)
        # The rollup read may be older: this process's own scans are added exactly, so
        # only other processes' scans wait for the refresh.
        self.rollups: TTLCache[tuple[SerialActivity, int]] = TTLCache(
            ttl=ROLLUP_TTL_SECONDS, refresher=refresher
        )
        # A lot's busy serials in one entry (None: too many, read one by one).
        self.lot_rollups: TTLCache[tuple[dict[str, SerialActivity] | None, int]] = TTLCache(
            ttl=ROLLUP_TTL_SECONDS, max_entries=LOT_ROLLUP_ENTRIES, refresher=refresher
        )
        self.details: TTLCache[Any] = TTLCache(refresher=refresher)
        # Rendered page parts shared by a lot's serials (service.pages.consumer).
        self.pages: TTLCache[str] = TTLCache(refresher=refresher)
        # Whole pages (body, ETag) keyed by everything they show: a memo, never stale,
        # so nothing to refresh; the TTL only lets unused ones go.
        self.page_bodies: TTLCache[tuple[bytes, str]] = TTLCache(
            ttl=PAGE_BODY_TTL_SECONDS, max_entries=PAGE_BODY_ENTRIES
        )

    def forget_gtin(self, gtin: str) -> None:
        """After a change to a GTIN's data in this process."""
        for cache in (self.items, self.links, self.details, self.pages, self.page_bodies):
            cache.invalidate(lambda key: isinstance(key, tuple) and key[0] == gtin)

    def close(self) -> None:
        if self.refresher is not None:
            self.refresher.close()


@dataclass(frozen=True)
class Resolution:
    gtin: str
    lot_code: str | None
    serial: str | None
    verdict: Verdict
    product: Product | None = None
    lot: Lot | None = None
    recall: Recall | None = None
    serial_status: SerialStatus | None = None
    # The serial's scans, when the verdict needed them (serial_activity): the figures a
    # suspicious copy's reason shows.
    activity: SerialActivity | None = None
    expiry_on: dt.date | None = None

    @property
    def enterprise(self) -> Enterprise | None:
        return self.product.enterprise if self.product else None


def _qualifier(link: DigitalLink, code: str) -> str | None:
    return next((value for ai, value in link.qualifiers if ai == code), None)


def _attribute(link: DigitalLink, code: str) -> str | None:
    return next((value for ai, value in link.attributes if ai == code), None)


def _yymmdd(value: str | None) -> dt.date | None:
    """AI 17 (expiry) as a date; day 00 means the month's last day (GenSpecs §3.4.6)."""
    if value is None or len(value) != 6 or not value.isdigit():
        return None
    year, month, day = 2000 + int(value[:2]), int(value[2:4]), int(value[4:])
    # GenSpecs §7.12: a two-digit year more than 49 years ahead is in the past century.
    if year - dt.date.today().year > 49:
        year -= 100
    try:
        if day == 0:
            following = dt.date(year + month // 12, month % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        return dt.date(year, month, day)
    except ValueError:
        return None


def load_product_and_lot(
    session: Session, *, gtin: str, lot_code: str | None
) -> tuple[Product | None, Lot | None]:
    """The product (with its producer) and the named lot, in one query."""
    if lot_code is None:
        return session.scalar(select(Product).where(Product.gtin == gtin)), None
    row = session.execute(
        select(Product, Lot)
        .outerjoin(Lot, and_(Lot.product_id == Product.id, Lot.code == lot_code))
        .where(Product.gtin == gtin)
        .options(lazyload(Lot.product))
    ).first()
    if row is None:
        return None, None
    return row[0], row[1]


def active_recall(
    session: Session, *, product: Product, lot: Lot | None, now: dt.datetime
) -> Recall | None:
    """A recall in force for the whole product or this lot (a lot's own recall first)."""
    scope = (
        Recall.lot_id.is_(None)
        if lot is None
        else or_(Recall.lot_id.is_(None), Recall.lot_id == lot.id)
    )
    recalls = session.scalars(
        select(Recall).where(
            Recall.product_id == product.id,
            scope,
            Recall.started_at <= now,
            or_(Recall.ended_at.is_(None), Recall.ended_at > now),
        )
    ).all()
    return min(recalls, key=lambda r: (r.lot_id is None, r.started_at), default=None)


def load_snapshot(
    session: Session, *, gtin: str, lot_code: str | None, now: dt.datetime
) -> ItemSnapshot:
    product, lot = load_product_and_lot(session, gtin=gtin, lot_code=lot_code)
    if product is None:
        return ItemSnapshot(None, None, None, ())
    recall = active_recall(session, product=product, lot=lot, now=now)
    runs: tuple[RunWindow, ...] = ()
    if lot is not None:
        rows = session.execute(
            select(LabelRun.first_index, LabelRun.count, LabelRun.mac_key, LabelRun.voided_at)
            .where(LabelRun.lot_id == lot.id, LabelRun.serialized.is_(True))
            .order_by(LabelRun.first_index)
        )
        runs = tuple(
            RunWindow(first, count, key, voided is not None) for first, count, key, voided in rows
        )
    return ItemSnapshot(product, lot, recall, runs)


def serial_status(snapshot: ItemSnapshot, serial: str) -> SerialStatus:
    """Issued, void or never issued: the run whose range holds the serial's index
    must also have made its MAC (registry.print_runs.serials)."""
    lot, product = snapshot.lot, snapshot.product
    index = serials.serial_index(serial)
    if lot is None or product is None or index is None:
        return SerialStatus.never_issued
    for run in snapshot.runs:
        if run.first_index <= index < run.first_index + run.count:
            if not serials.is_authentic(
                run.mac_key, gtin=product.gtin, lot=lot.code, serial=serial
            ):
                return SerialStatus.never_issued
            return SerialStatus.void if run.voided else SerialStatus.issued
    return SerialStatus.never_issued


def serial_activity(
    session: Session,
    recorder: ScanRecorder | None,
    caches: ResolverCaches | None,
    *,
    gtin: str,
    lot: str | None,
    serial: str,
    thresholds: Thresholds,
    now: dt.datetime,
    counting_this_scan: bool = False,
) -> SerialActivity | None:
    """The serial's scans: the rollup (possibly cached), plus what this process recorded
    since that read, plus the scan being answered (at `now`) when `counting_this_scan`.

    None for a serial its lot's read found quiet (scanned from no more networks and
    devices than a household's, or never: most scans are a serial's first) when even
    the most that allows, with this process's scans since the read, could not make a
    suspicious copy: its own figures, which only a suspicious copy's reason shows, are
    then not read."""
    today = now.date()
    lot_key = lot or ""

    def generation() -> int:
        # Read first: a flush landing during the read is counted twice at worst,
        # which errs towards warning, never towards silence.
        return recorder.generation if recorder is not None else -1

    def read(session: Session) -> tuple[SerialActivity, int]:
        written = generation()
        return rollup_activity(
            session,
            gtin=gtin,
            lot=lot,
            serial=serial,
            window_days=thresholds.window_days,
            today=today,
        ), written

    def with_scans_since(stored: SerialActivity, written: int) -> SerialActivity:
        activity = with_recent(
            stored, recorder, gtin=gtin, lot=lot, serial=serial, written_after=written
        )
        if not counting_this_scan:
            return activity
        # Its network and device are new unless the serial has some already (the same
        # phone again, most likely).
        return SerialActivity(
            activity.scan_count + 1,
            activity.device_count + (0 if activity.device_count else 1),
            activity.place_count,
            activity.first_scanned_at or now,
            activity.network_count + (0 if activity.network_count else 1),
        )

    if caches is not None:
        quiet = Quiet.under(thresholds)

        def read_lot(session: Session) -> tuple[dict[str, SerialActivity] | None, int]:
            written = generation()
            return busy_serial_activity(
                session,
                gtin=gtin,
                lot=lot,
                window_days=thresholds.window_days,
                today=today,
                quiet=quiet,
                limit=LOT_ROLLUP_LIMIT,
            ), written

        busy, written = caches.lot_rollups.get_or_load(
            (gtin, lot_key, today, quiet), session, read_lot
        )
        if busy is not None:
            stored = busy.get(serial)
            if stored is not None:
                return with_scans_since(stored, written)
            # The most its stored scans may hold, counted as the rule counts them.
            most = with_scans_since(
                SerialActivity(0, quiet.devices, 0, None, quiet.networks), written
            )
            if not is_suspicious(most, thresholds):
                return None
        stored, written = caches.rollups.get_or_load((gtin, lot_key, serial, today), session, read)
    else:
        stored, written = read(session)
    return with_scans_since(stored, written)


def stored_links_for(
    session: Session, caches: ResolverCaches | None, *, gtin_anchor: str, anchors: list[str]
) -> list[ResolverLink]:
    """Links on any of `anchors` (all under one GTIN), through the cache."""
    if caches is None:
        rows: tuple[ResolverLink, ...] = tuple(links_under(session, anchor=gtin_anchor))
    else:
        key = (gtin_anchor.split("/")[2], "links")
        rows = caches.links.get_or_load(
            key, session, lambda s: tuple(links_under(s, anchor=gtin_anchor))
        )
    wanted = set(anchors)
    return [row for row in rows if row.anchor in wanted]


def resolve(
    session: Session,
    *,
    link: DigitalLink,
    recorder: ScanRecorder | None,
    thresholds: Thresholds,
    now: dt.datetime,
    counting_this_scan: bool = False,
    caches: ResolverCaches | None = None,
) -> Resolution:
    """The verdict for a parsed /01/ Digital Link.

    `counting_this_scan`: the scan being answered is not recorded yet; count it.
    An unknown lot or serial does not hide the product, but the verdict stays honest:
    a serial the registry never issued is reported as such.
    """
    gtin = link.primary[1]
    lot_code, serial = _qualifier(link, "10"), _qualifier(link, "21")
    key = (gtin, lot_code)
    if caches is None:
        snapshot = load_snapshot(session, gtin=gtin, lot_code=lot_code, now=now)
    else:
        snapshot = caches.items.get_or_load(
            key, session, lambda s: load_snapshot(s, gtin=gtin, lot_code=lot_code, now=now)
        )
    product, lot = snapshot.product, snapshot.lot
    if product is None or product.enterprise.status in (
        EnterpriseStatus.pending,
        EnterpriseStatus.rejected,
    ):
        return Resolution(gtin, lot_code, serial, verdict_of_unknown_gtin(gtin))
    today = now.date()
    status = None
    activity = None
    if serial is not None:
        status = serial_status(snapshot, serial)
        if status is SerialStatus.issued:
            activity = serial_activity(
                session,
                recorder,
                caches,
                gtin=gtin,
                lot=lot_code,
                serial=serial,
                thresholds=thresholds,
                now=now,
                counting_this_scan=counting_this_scan,
            )
    expiry_on = (lot.expiry_on if lot is not None else None) or _yymmdd(_attribute(link, "17"))
    verdict = _decide(
        product=product,
        lot_code=lot_code,
        lot=lot,
        recall=snapshot.recall,
        serial_status=status,
        activity=activity,
        thresholds=thresholds,
        expiry_on=expiry_on,
        today=today,
    )
    return Resolution(
        gtin=gtin,
        lot_code=lot_code,
        serial=serial,
        verdict=verdict,
        product=product,
        lot=lot,
        recall=snapshot.recall,
        serial_status=status,
        activity=activity,
        expiry_on=expiry_on,
    )


def _decide(
    *,
    product: Product,
    lot_code: str | None,
    lot: Lot | None,
    recall: Recall | None,
    serial_status: SerialStatus | None,
    activity: SerialActivity | None,
    thresholds: Thresholds,
    expiry_on: dt.date | None,
    today: dt.date,
) -> Verdict:
    """One verdict, the gravest first: a fake label before a recall, a recall before
    a suspended producer, and so on down to genuine (docs/verdicts.md)."""
    if serial_status is SerialStatus.never_issued:
        return Verdict.serial_never_issued
    if serial_status is SerialStatus.void:
        return Verdict.serial_void
    if recall is not None or (lot is not None and lot.status is LotStatus.recalled):
        return Verdict.recalled
    if product.enterprise.status is EnterpriseStatus.suspended:
        return Verdict.suspended
    if product.status is ProductStatus.withdrawn or (
        lot is not None and lot.status is LotStatus.withdrawn
    ):
        return Verdict.withdrawn
    if lot_code is not None and lot is None:
        return Verdict.lot_undeclared
    if expiry_on is not None and expiry_on < today:
        return Verdict.expired
    if activity is not None and is_suspicious(activity, thresholds):
        return Verdict.suspicious_copy
    return Verdict.genuine if serial_status is SerialStatus.issued else Verdict.registered
