"""An in-process scan buffer: requests append, a background task writes batches.

A consumer waits for a list append, not for the database. `flush` writes everything
pending in one transaction and keeps the per-serial rollup up to date; records that
fail to write go back in the queue, and the last flush runs at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from registry.scans.models import (
    COUNTED_AGENTS,
    Scan,
    SerialScanDay,
    SerialScanSource,
    SourceKind,
)
from registry.stats.rollups import ScanFacts, apply_scans, upsert_adding

log = logging.getLogger("truyxuat.scans")

FLUSH_AT = 500
MAX_PENDING = 1_000_000
# How long written scans stay in the per-serial memory, which must outlast any
# cached read of the rollup (see registry.scans.service.serial_activity).
RECENT_SECONDS = 60.0


@dataclass(frozen=True)
class Place:
    province_code: str | None = None
    ward_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    @property
    def key(self) -> str | None:
        if self.ward_code or self.province_code:
            return self.ward_code or self.province_code
        if self.latitude is not None and self.longitude is not None:
            return f"{self.latitude:.1f},{self.longitude:.1f}"
        return None


@dataclass(frozen=True)
class ScanRecord:
    scanned_at: dt.datetime
    gtin: str
    lot: str | None
    serial: str | None
    verdict: str
    device_hash: str
    agent_class: str
    place: Place = Place()
    # Of a serial scan: the network's and the device's ids for this serial
    # (registry.scans.device.source_id), which the suspicious-copy rule counts.
    network: str = ""
    device: str = ""

    def facts(self) -> ScanFacts:
        """What the statistics rollups count of this scan."""
        return ScanFacts(
            self.scanned_at,
            self.gtin,
            self.verdict,
            self.agent_class,
            self.place.province_code,
            self.place.ward_code,
        )

    @property
    def serial_key(self) -> tuple[str, str, str] | None:
        """What the rollup counts: serials scanned by people (not bots, not repeats)."""
        if self.serial is None or self.agent_class not in COUNTED_AGENTS:
            return None
        return (self.gtin, self.lot or "", self.serial)

    def row(self) -> dict[str, object]:
        place = self.place
        return {
            "scanned_at": self.scanned_at,
            "gtin": self.gtin,
            "lot": self.lot,
            "serial": self.serial,
            "verdict": self.verdict,
            "device_hash": self.device_hash,
            "agent_class": self.agent_class,
            "province_code": place.province_code,
            "ward_code": place.ward_code,
            "latitude": place.latitude,
            "longitude": place.longitude,
        }


@dataclass
class _Recent:
    """A serial scan this process recorded, and the flush that wrote it (if any)."""

    scanned_at: dt.datetime
    network: str
    device: str
    place: str | None
    recorded: float
    written_in: int | None = None


@dataclass(frozen=True)
class PendingActivity:
    scan_count: int
    networks: frozenset[str]
    devices: frozenset[str]
    places: frozenset[str]
    first_scanned_at: dt.datetime | None


SerialKey = tuple[str, str, str]


class BatchWriter(Protocol):
    """Where flushed batches go (registry.scans.writer: a thread or a writer process)."""

    def write(self, batch: Sequence[ScanRecord]) -> None:
        """Write the batch in one transaction, or raise and write nothing."""

    def close(self) -> None: ...


FlushObserver = Callable[[int, int], None]
"""Told after every flush attempt: the scans it wrote, the scans still waiting."""


class ScanRecorder:
    """Thread-safe: request handlers call `record` on the event loop or from worker
    threads. `record` is O(1) under one short lock; the flush does the rest."""

    def __init__(
        self,
        writer: BatchWriter,
        *,
        flush_at: int = FLUSH_AT,
        max_pending: int = MAX_PENDING,
        on_flushed: FlushObserver | None = None,
    ) -> None:
        self._writer = writer
        self._on_flushed = on_flushed
        self._flush_at = flush_at
        self._max_pending = max_pending
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._pending: deque[ScanRecord] = deque()
        self._inflight: deque[ScanRecord] = deque()
        self._recent: dict[SerialKey, deque[_Recent]] = {}
        # Every serial scan in the order recorded, so forgetting is O(forgotten).
        self._recent_order: deque[tuple[SerialKey, _Recent]] = deque()
        self._recent_of: dict[int, _Recent] = {}
        self._wakeup_asked = False
        self.generation = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None
        self.stored = 0
        self.dropped = 0

    @property
    def running(self) -> bool:
        return self._loop is not None

    def pending_count(self) -> int:
        with self._lock:
            return len(self._pending) + len(self._inflight)

    def record(self, record: ScanRecord) -> None:
        with self._lock:
            if len(self._pending) >= self._max_pending:
                # A database down for hours: keep the newest, say how many went.
                dropped = self._pending.popleft()
                lost = self._recent_of.pop(id(dropped), None)
                if lost is not None:
                    # Never to be written: let it age out as if it had been.
                    lost.written_in = self.generation
                self.dropped += 1
            self._pending.append(record)
            wake = len(self._pending) >= self._flush_at and not self._wakeup_asked
            self._wakeup_asked = self._wakeup_asked or wake
            key = record.serial_key
            if key is not None:
                entry = _Recent(
                    record.scanned_at,
                    record.network,
                    record.device,
                    record.place.key,
                    time.monotonic(),
                )
                self._recent.setdefault(key, deque()).append(entry)
                self._recent_order.append((key, entry))
                self._recent_of[id(record)] = entry
        if not self.running:
            # No background task (a CLI, a test app without lifespan): write now;
            # a failure keeps the scan queued and must not fail the consumer's request.
            try:
                self.flush()
            except Exception:
                log.exception("scan write failed; %d scans kept", self.pending_count())
        elif wake and self._loop is not None and self._wakeup is not None:
            self._loop.call_soon_threadsafe(self._wakeup.set)

    def pending_activity(
        self, *, gtin: str, lot: str, serial: str, written_after: int = -1
    ) -> PendingActivity:
        """This process's scans of a serial not yet written, or written by a flush
        after generation `written_after` (so not in a rollup read before it)."""
        count = 0
        networks: set[str] = set()
        devices: set[str] = set()
        places: set[str] = set()
        first: dt.datetime | None = None
        with self._lock:
            # Scans are written in the order recorded, so the ones to count are the
            # newest: walk back from the end until one written at or before the read.
            for r in reversed(self._recent.get((gtin, lot, serial), ())):
                if r.written_in is not None and r.written_in <= written_after:
                    break
                count += 1
                networks.add(r.network)
                devices.add(r.device)
                if r.place:
                    places.add(r.place)
                if first is None or r.scanned_at < first:
                    first = r.scanned_at
        return PendingActivity(
            scan_count=count,
            networks=frozenset(networks),
            devices=frozenset(devices),
            places=frozenset(places),
            first_scanned_at=first,
        )

    def attach_place_pending(
        self, *, gtin: str, lot: str | None, serial: str | None, device_hash: str, place: Place
    ) -> bool:
        """Give the device's latest pending scan of this key its place; False if none."""
        with self._lock:
            for index in range(len(self._pending) - 1, -1, -1):
                r = self._pending[index]
                if (r.gtin, r.lot, r.serial, r.device_hash) == (gtin, lot, serial, device_hash):
                    self._pending[index] = replace(r, place=place)
                    entry = self._recent_of.pop(id(r), None)
                    if entry is not None:
                        entry.place = place.key
                        self._recent_of[id(self._pending[index])] = entry
                    return True
        return False

    def flush(self) -> int:
        """Write everything pending now; on failure the records stay queued."""
        with self._flush_lock:
            with self._lock:
                batch, self._pending = self._pending, deque()
                self._inflight = batch
            if not batch:
                return 0
            try:
                self._writer.write(batch)
            except BaseException:
                with self._lock:
                    batch.extend(self._pending)
                    self._pending, self._inflight = batch, deque()
                self._tell_flushed(0)
                raise
            with self._lock:
                self._inflight = deque()
                self.generation += 1
                for record in batch:
                    entry = self._recent_of.pop(id(record), None)
                    if entry is not None:
                        entry.written_in = self.generation
                self._forget_old_recent()
            self.stored += len(batch)
            self._tell_flushed(len(batch))
            return len(batch)

    def _tell_flushed(self, written: int) -> None:
        if self._on_flushed is not None:
            self._on_flushed(written, self.pending_count())

    def _forget_old_recent(self) -> None:
        """Drop written scans older than RECENT_SECONDS. Scans are written in the order
        recorded, so they are the oldest ones, at the front of each queue."""
        horizon = time.monotonic() - RECENT_SECONDS
        order = self._recent_order
        while order and order[0][1].written_in is not None and order[0][1].recorded <= horizon:
            key, _entry = order.popleft()
            entries = self._recent[key]
            entries.popleft()
            if not entries:
                del self._recent[key]

    async def run(self, interval: float) -> None:
        """Flush every `interval` seconds, or sooner when the buffer grows large."""
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=interval)
            self._wakeup.clear()
            with self._lock:
                self._wakeup_asked = False
            try:
                await asyncio.to_thread(self.flush)
            except Exception:
                log.exception(
                    "scan flush failed; %d scans kept for the next try", self.pending_count()
                )

    async def close(self, *, attempts: int = 3) -> None:
        """Final flush at shutdown, then the writer's; the background task must be
        cancelled first."""
        self._loop = None
        for attempt in range(1, attempts + 1):
            try:
                await asyncio.to_thread(self.flush)
                break
            except Exception:
                log.exception("final scan flush failed (attempt %d of %d)", attempt, attempts)
                await asyncio.sleep(0.2 * attempt)
        else:
            log.error("%d scans could not be stored at shutdown", self.pending_count())
        await asyncio.to_thread(self._writer.close)


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=1)


GroupKey = tuple[str, str, str, dt.date]


def write_batch(session: Session, batch: Iterable[ScanRecord]) -> None:
    """Insert the scans and add them to the per-serial daily rollup and sources (a fixed
    number of statements per batch, whatever the number of serials in it)."""
    records = list(batch)
    groups: dict[GroupKey, list[ScanRecord]] = {}
    for record in records:
        key = record.serial_key
        if key is not None:
            day = record.scanned_at.astimezone(dt.UTC).date()
            groups.setdefault((*key, day), []).append(record)
    # New places are those not seen for the serial that day before this batch, so they
    # are looked up before the batch's rows go in; only for groups that bring a place.
    seen_places = _places_seen_before(
        session, {key: group for key, group in groups.items() if any(r.place.key for r in group)}
    )
    increments = []
    for group_key, group in groups.items():
        places = {k for r in group if (k := r.place.key)}
        increments.append(
            {
                "gtin": group_key[0],
                "lot": group_key[1],
                "serial": group_key[2],
                "day": group_key[3],
                "scan_count": len(group),
                "place_count": len(places - seen_places.get(group_key, set())),
                "first_scanned_at": min(r.scanned_at for r in group),
                "last_scanned_at": max(r.scanned_at for r in group),
            }
        )
    # Core, not ORM, insert: the same rows at a fraction of the Python work.
    session.execute(insert(cast(Table, Scan.__table__)), [record.row() for record in records])
    # The statistics rollups move in the same transaction as the scans they count.
    apply_scans(session, [record.facts() for record in records])
    upsert_adding(
        session,
        cast(Table, SerialScanDay.__table__),
        increments,
        keys=["gtin", "lot", "serial", "day"],
        added=["scan_count", "place_count"],
        latest=["last_scanned_at"],
    )
    _upsert_sources(session, groups)


def _places_seen_before(
    session: Session, groups: dict[GroupKey, list[ScanRecord]]
) -> dict[GroupKey, set[str]]:
    """Places already stored for each serial and day of the batch: one DISTINCT query
    per UTC day over the serial index."""
    places: dict[GroupKey, set[str]] = {}
    serials = {key[2] for key in groups}
    for day in sorted({key[3] for key in groups}):
        start, end = _day_bounds(day)
        rows = session.execute(
            select(
                Scan.gtin,
                Scan.lot,
                Scan.serial,
                Scan.province_code,
                Scan.ward_code,
                Scan.latitude,
                Scan.longitude,
            )
            .where(
                Scan.serial.in_(serials),
                Scan.scanned_at >= start,
                Scan.scanned_at < end,
                Scan.agent_class.in_(COUNTED_AGENTS),
            )
            .distinct()
        )
        for row in rows:
            key = (row[0], row[1] or "", row[2], day)
            if key in groups and (place := Place(*row[3:]).key):
                places.setdefault(key, set()).add(place)
    return places


def _upsert_sources(session: Session, groups: dict[GroupKey, list[ScanRecord]]) -> None:
    """Each network and device that scanned a serial, and the last day it did."""
    spans: dict[tuple[str, str, str, str], tuple[str, dt.date, dt.date]] = {}
    for (gtin, lot, serial, day), group in groups.items():
        for record in group:
            for kind, source in (
                (SourceKind.network, record.network),
                (SourceKind.device, record.device),
            ):
                if source:
                    key = (gtin, lot, serial, source)
                    _, first, last = spans.get(key, (kind, day, day))
                    spans[key] = (kind.value, min(first, day), max(last, day))
    rows = [
        {
            "gtin": gtin,
            "lot": lot,
            "serial": serial,
            "source": source,
            "kind": kind,
            "first_seen_on": first,
            "last_seen_on": last,
        }
        for (gtin, lot, serial, source), (kind, first, last) in spans.items()
    ]
    upsert_adding(
        session,
        cast(Table, SerialScanSource.__table__),
        rows,
        keys=["gtin", "lot", "serial", "source"],
        added=[],
        earliest=["first_seen_on"],
        latest=["last_seen_on"],
    )
