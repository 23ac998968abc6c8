"""Reading scan activity: the suspicious-copy check and the place a consumer shares."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, case, func, or_, select, true, update
from sqlalchemy.orm import Session

from registry.products.models import Product
from registry.scans.models import AgentClass, Scan, SerialScanDay, SerialScanSource, SourceKind
from registry.scans.recorder import Place, ScanRecorder
from registry.settings import Settings
from registry.stats.rollups import move_scan_place
from registry.verdicts import Verdict


@dataclass(frozen=True, slots=True)
class SerialActivity:
    """How often, and from how many networks, devices and places, a serial was scanned."""

    scan_count: int
    device_count: int
    place_count: int
    first_scanned_at: dt.datetime | None
    network_count: int = 0


@dataclass(frozen=True)
class Thresholds:
    network_count: int
    device_count: int
    window_days: int

    @classmethod
    def of(cls, settings: Settings) -> Thresholds:
        return cls(
            network_count=settings.suspicious_network_count,
            device_count=settings.suspicious_device_count,
            window_days=settings.suspicious_window_days,
        )


NO_ACTIVITY = SerialActivity(0, 0, 0, None)

_IN_WINDOW = SerialScanDay.day >= bindparam("since")
_ACTIVITY = (
    func.min(SerialScanDay.first_scanned_at),
    func.coalesce(func.sum(case((_IN_WINDOW, SerialScanDay.scan_count), else_=0)), 0),
    func.coalesce(func.sum(case((_IN_WINDOW, SerialScanDay.place_count), else_=0)), 0),
)
_SOURCE_IN_WINDOW = SerialScanSource.last_seen_on >= bindparam("since")
_NETWORKS = func.coalesce(
    func.sum(case((SerialScanSource.kind == SourceKind.network.value, 1), else_=0)), 0
)
_DEVICES = func.coalesce(
    func.sum(case((SerialScanSource.kind == SourceKind.device.value, 1), else_=0)), 0
)
_SOURCES_OF_LOT = (
    SerialScanSource.gtin == bindparam("gtin"),
    SerialScanSource.lot == bindparam("lot"),
    _SOURCE_IN_WINDOW,
)
_OF_LOT = (SerialScanDay.gtin == bindparam("gtin"), SerialScanDay.lot == bindparam("lot"))
# Built once: the resolver asks these for every lot and serial it has not seen for a while.
# One serial: its two one-row aggregates side by side, one statement.
_SERIAL_DAYS = (
    select(*_ACTIVITY).where(*_OF_LOT, SerialScanDay.serial == bindparam("serial")).subquery()
)
_SERIAL_SOURCES = (
    select(_NETWORKS, _DEVICES)
    .where(*_SOURCES_OF_LOT, SerialScanSource.serial == bindparam("serial"))
    .subquery()
)
_ROLLUP_QUERY = select(_SERIAL_DAYS, _SERIAL_SOURCES).select_from(
    _SERIAL_DAYS.join(_SERIAL_SOURCES, true())
)
# The lot's serials scanned in the window from more networks or more devices than a
# quiet one: the database walks the lot's sources, and only the busy serials come back.
_BUSY_SOURCES_QUERY = (
    select(SerialScanSource.serial, _NETWORKS, _DEVICES)
    .where(*_SOURCES_OF_LOT)
    .group_by(SerialScanSource.serial)
    .having(or_(bindparam("quiet_networks") < _NETWORKS, bindparam("quiet_devices") < _DEVICES))
    .limit(bindparam("limit"))
)
# Their days, by primary key (a second statement: PostgreSQL plans one that joins them
# for as many busy serials as the limit allows, and compiles it, at 40 ms a time).
_DAYS_OF_SERIALS_QUERY = (
    select(SerialScanDay.serial, *_ACTIVITY)
    .where(*_OF_LOT, SerialScanDay.serial.in_(bindparam("serials", expanding=True)))
    .group_by(SerialScanDay.serial)
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
    """What earlier flushes left in the rollups: two primary-key range reads in one
    statement."""
    since = today - dt.timedelta(days=window_days - 1)
    values = {"since": since, "gtin": gtin, "lot": lot or "", "serial": serial}
    first, scans, places, networks, devices = session.execute(_ROLLUP_QUERY, values).one()
    return SerialActivity(int(scans), int(devices), int(places), first, int(networks))


@dataclass(frozen=True, slots=True)
class Quiet:
    """The most networks and devices a serial may have been scanned from in the window
    and still be left out of its lot's read (`busy_serial_activity`)."""

    networks: int
    devices: int

    @classmethod
    def under(cls, thresholds: Thresholds) -> Quiet:
        """A buyer's household (QUIET_SOURCES), and never so many that the stored
        scans alone could make a suspicious copy."""
        return cls(
            min(QUIET_SOURCES, thresholds.network_count),
            min(QUIET_SOURCES, thresholds.device_count),
        )


# A phone at home and at the shop, two phones of one family: most scanned serials.
QUIET_SOURCES = 2


def busy_serial_activity(
    session: Session,
    *,
    gtin: str,
    lot: str | None,
    window_days: int,
    today: dt.date,
    quiet: Quiet,
    limit: int,
) -> dict[str, SerialActivity] | None:
    """`rollup_activity` of the lot's serials scanned in the window from more networks
    or devices than `quiet`, read together (one statement when there are none): every
    other serial of the lot was scanned from at most that many, or never. None when more
    than `limit` serials are busy."""
    since = today - dt.timedelta(days=window_days - 1)
    values = {
        "since": since,
        "gtin": gtin,
        "lot": lot or "",
        "quiet_networks": quiet.networks,
        "quiet_devices": quiet.devices,
        "limit": limit + 1,
    }
    sources = session.execute(_BUSY_SOURCES_QUERY, values).all()
    if len(sources) > limit:
        return None
    if not sources:
        return {}
    days = {
        serial: (first, int(scans), int(places))
        for serial, first, scans, places in session.execute(
            _DAYS_OF_SERIALS_QUERY, {**values, "serials": [row[0] for row in sources]}
        )
    }
    activities = {}
    for serial, networks, devices in sources:
        first, scans, places = days.get(serial, (None, 0, 0))
        activities[serial] = SerialActivity(scans, int(devices), places, first, int(networks))
    return activities


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
        activity.network_count + len(recent.networks),
    )


def is_suspicious(activity: SerialActivity, thresholds: Thresholds) -> bool:
    """Scanned from more networks, and by more devices, than one buyer's household:
    one network alone, however many scans or devices it brings, never is."""
    return (
        activity.network_count > thresholds.network_count
        and activity.device_count > thresholds.device_count
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
        and AgentClass(agent).counted
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
        gtin=gtin,
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


# The verdicts a producer is warned of: someone else's labels or a copy of its own.
WARNING_VERDICTS = (Verdict.suspicious_copy, Verdict.serial_never_issued, Verdict.serial_void)


def warning_scans_of(session: Session, *, enterprise_id: int, limit: int) -> list[Scan]:
    """The latest scans of the producer's products that showed a warning, newest first."""
    return list(
        session.scalars(
            select(Scan)
            .join(Product, Product.gtin == Scan.gtin)
            .where(Product.enterprise_id == enterprise_id, Scan.verdict.in_(WARNING_VERDICTS))
            .order_by(Scan.scanned_at.desc())
            .limit(limit)
        )
    )
