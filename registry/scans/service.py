"""Reading scan activity: the suspicious-copy check and the place a consumer shares."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, case, func, select, update
from sqlalchemy.orm import Session

from registry.scans.models import AgentClass, Scan, SerialScanDay
from registry.scans.recorder import Place, ScanRecorder
from registry.stats.rollups import move_scan_place


@dataclass(frozen=True, slots=True)
class SerialActivity:
    """How often, and by how many devices and places, a serial was scanned."""

    scan_count: int
    device_count: int
    place_count: int
    first_scanned_at: dt.datetime | None


@dataclass(frozen=True)
class Thresholds:
    scan_count: int
    device_count: int
    window_days: int


NO_ACTIVITY = SerialActivity(0, 0, 0, None)

_IN_WINDOW = SerialScanDay.day >= bindparam("since")
_ACTIVITY = (
    func.min(SerialScanDay.first_scanned_at),
    func.coalesce(func.sum(case((_IN_WINDOW, SerialScanDay.scan_count), else_=0)), 0),
    func.coalesce(func.sum(case((_IN_WINDOW, SerialScanDay.device_count), else_=0)), 0),
    func.coalesce(func.sum(case((_IN_WINDOW, SerialScanDay.place_count), else_=0)), 0),
)
_OF_LOT = (SerialScanDay.gtin == bindparam("gtin"), SerialScanDay.lot == bindparam("lot"))
# Built once: the resolver asks these for every lot and serial it has not seen for a while.
_ROLLUP_QUERY = select(*_ACTIVITY).where(*_OF_LOT, SerialScanDay.serial == bindparam("serial"))
# Grouped in primary-key order, so the database can stop at the limit.
_LOT_ROLLUP_QUERY = (
    select(SerialScanDay.serial, *_ACTIVITY)
    .where(*_OF_LOT)
    .group_by(SerialScanDay.serial)
    .order_by(SerialScanDay.serial)
    .limit(bindparam("limit"))
)


def rollup_activity(
    session: Session,
    *,
    gtin: str,
    lot: str | None,
    serial: str,
    window_days: int,
    today: dt.date,
) -> SerialActivity:
    """What earlier flushes left in the rollup: one primary-key range read.

    Device hashes rotate daily, so a phone scanning on three days counts three times:
    the count is an upper bound, which errs towards warning.
    """
    since = today - dt.timedelta(days=window_days - 1)
    first, scans, devices, places = session.execute(
        _ROLLUP_QUERY, {"since": since, "gtin": gtin, "lot": lot or "", "serial": serial}
    ).one()
    return SerialActivity(int(scans), int(devices), int(places), first)


def lot_rollup_activity(
    session: Session,
    *,
    gtin: str,
    lot: str | None,
    window_days: int,
    today: dt.date,
    limit: int,
) -> dict[str, SerialActivity] | None:
    """`rollup_activity` of every serial of the lot ever scanned, in one read; a serial
    missing from it has none. None when more than `limit` serials were scanned."""
    since = today - dt.timedelta(days=window_days - 1)
    rows = session.execute(
        _LOT_ROLLUP_QUERY, {"since": since, "gtin": gtin, "lot": lot or "", "limit": limit + 1}
    ).all()
    if len(rows) > limit:
        return None
    return {
        serial: SerialActivity(int(scans), int(devices), int(places), first)
        for serial, first, scans, devices, places in rows
    }


def with_recent(
    activity: SerialActivity,
    recorder: ScanRecorder | None,
    *,
    gtin: str,
    lot: str | None,
    serial: str,
    written_after: int,
) -> SerialActivity:
    """Add this process's scans that the rollup read (made after flush generation
    `written_after`) could not contain yet."""
    if recorder is None:
        return activity
    recent = recorder.pending_activity(
        gtin=gtin, lot=lot or "", serial=serial, written_after=written_after
    )
    first = activity.first_scanned_at
    if recent.first_scanned_at and (first is None or recent.first_scanned_at < first):
        first = recent.first_scanned_at
    return SerialActivity(
        activity.scan_count + recent.scan_count,
        activity.device_count + len(recent.devices),
        activity.place_count + len(recent.places),
        first,
    )


def is_suspicious(activity: SerialActivity, thresholds: Thresholds) -> bool:
    """Scanned more often, or from more devices or places, than one buyer would."""
    return (
        activity.scan_count > thresholds.scan_count
        or activity.device_count > thresholds.device_count
        or activity.place_count > thresholds.device_count
    )


def attach_place(
    session: Session,
    recorder: ScanRecorder | None,
    *,
    gtin: str,
    lot: str | None,
    serial: str | None,
    device_hash: str,
    place: Place,
    since: dt.datetime,
) -> bool:
    """Give this device's latest scan of this key (since `since`) the place it shared."""
    if recorder is not None and recorder.attach_place_pending(
        gtin=gtin, lot=lot, serial=serial, device_hash=device_hash, place=place
    ):
        return True
    latest = session.execute(
        select(
            Scan.id,
            Scan.scanned_at,
            Scan.agent_class,
            Scan.verdict,
            Scan.province_code,
            Scan.ward_code,
        )
        .where(
            Scan.gtin == gtin,
            Scan.scanned_at >= since,
            Scan.device_hash == device_hash,
            Scan.lot == lot if lot else Scan.lot.is_(None),
            Scan.serial == serial if serial else Scan.serial.is_(None),
        )
        .order_by(Scan.scanned_at.desc())
        .limit(1)
    ).first()
    if latest is None:
        return False
    scan_id, scanned_at, agent, verdict, old_province, old_ward = latest
    if (
        serial
        and agent != AgentClass.bot
        and _is_new_place(
            session, gtin=gtin, lot=lot, serial=serial, day=scanned_at.date(), place=place
        )
    ):
        session.execute(
            update(SerialScanDay)
            .where(
                SerialScanDay.gtin == gtin,
                SerialScanDay.lot == (lot or ""),
                SerialScanDay.serial == serial,
                SerialScanDay.day == scanned_at.date(),
            )
            .values(place_count=SerialScanDay.place_count + 1)
        )
    session.execute(
        update(Scan)
        # scanned_at too: on a partitioned scan table, only its month is searched.
        .where(Scan.id == scan_id, Scan.scanned_at == scanned_at)
        .values(
            province_code=place.province_code,
            ward_code=place.ward_code,
            latitude=place.latitude,
            longitude=place.longitude,
        )
    )
    move_scan_place(
        session,
        scanned_at=scanned_at,
        verdict=verdict,
        agent_class=agent,
        before=(old_province, old_ward),
        after=(place.province_code, place.ward_code),
    )
    return True


def _is_new_place(
    session: Session, *, gtin: str, lot: str | None, serial: str, day: dt.date, place: Place
) -> bool:
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    rows = session.execute(
        select(Scan.province_code, Scan.ward_code, Scan.latitude, Scan.longitude).where(
            Scan.serial == serial,
            Scan.gtin == gtin,
            Scan.lot == lot if lot else Scan.lot.is_(None),
            Scan.scanned_at >= start,
            Scan.scanned_at < start + dt.timedelta(days=1),
        )
    )
    return place.key not in {Place(*row).key for row in rows}
