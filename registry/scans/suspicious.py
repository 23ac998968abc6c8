"""Serials the agency should look at: scanned like a copied label (read from the
per-serial daily rollup, SerialScanDay), or scanned at all as a serial the registry
never issued or voided (read from the scans, a verdict that is rare by nature)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import case, func, or_, select, tuple_
from sqlalchemy.orm import Session

from registry.agents import AgentClass
from registry.enterprises.models import Enterprise
from registry.places.service import unit_names
from registry.products.models import Product
from registry.scans.models import Scan, SerialScanDay, SerialScanSource, SourceKind
from registry.scans.service import Thresholds
from registry.verdicts import FAKE_LABEL_VERDICTS, Verdict


@dataclass(frozen=True)
class SuspiciousSerial:
    gtin: str
    lot: str
    serial: str
    scan_count: int
    device_count: int
    place_count: int
    last_scanned_at: dt.datetime
    product_name: str | None
    verdict: Verdict = Verdict.suspicious_copy
    enterprise_name: str | None = None
    # Names of the provinces and wards consumers shared when scanning it.
    places: tuple[str, ...] = ()
    network_count: int = 0


def suspicious_serials(
    session: Session,
    *,
    today: dt.date,
    thresholds: Thresholds,
    limit: int = 200,
) -> list[SuspiciousSerial]:
    """Fake labels (never issued, void) first, then suspicious copies, with the product,
    its enterprise and the places of the scans, within the window."""
    window_days = thresholds.window_days
    copies = copied_serials(session, today=today, thresholds=thresholds, limit=limit)
    fakes = fake_label_serials(session, today=today, window_days=window_days, limit=limit)
    faked = {(f.gtin, f.lot, f.serial) for f in fakes}
    found = [*fakes, *(c for c in copies if (c.gtin, c.lot, c.serial) not in faked)][:limit]
    return _with_names_and_places(session, found, since=_window_start(today, window_days))


def _window_start(today: dt.date, window_days: int) -> dt.datetime:
    return dt.datetime.combine(today - dt.timedelta(days=window_days - 1), dt.time(), dt.UTC)


def fake_label_serials(
    session: Session, *, today: dt.date, window_days: int, limit: int
) -> list[SuspiciousSerial]:
    """Serials scanned within the window with a fake-label verdict: one scan is enough."""
    lot = func.coalesce(Scan.lot, "")
    scans = func.count()
    rows = session.execute(
        select(
            Scan.gtin,
            lot,
            Scan.serial,
            func.max(Scan.verdict),
            scans,
            func.count(Scan.device_hash.distinct()),
            func.count(func.coalesce(Scan.ward_code, Scan.province_code).distinct()),
            func.max(Scan.scanned_at),
        )
        .where(
            Scan.scanned_at >= _window_start(today, window_days),
            Scan.verdict.in_([v.value for v in FAKE_LABEL_VERDICTS]),
            Scan.serial.is_not(None),
            Scan.agent_class != AgentClass.bot.value,
        )
        .group_by(Scan.gtin, lot, Scan.serial)
        .order_by(scans.desc())
        .limit(limit)
    ).all()
    return [
        SuspiciousSerial(g, lt, s or "", int(n), int(d), int(p), last, None, Verdict(verdict))
        for g, lt, s, verdict, n, d, p, last in rows
    ]


def copied_serials(
    session: Session, *, today: dt.date, thresholds: Thresholds, limit: int = 200
) -> list[SuspiciousSerial]:
    """Serials scanned from more networks, and by more devices, than one buyer's
    household within the window: `registry.scans.service.is_suspicious` over every
    serial at once, read from the per-serial sources, then their daily rollups."""
    since = today - dt.timedelta(days=thresholds.window_days - 1)
    networks = func.sum(case((SerialScanSource.kind == SourceKind.network.value, 1), else_=0))
    devices = func.sum(case((SerialScanSource.kind == SourceKind.device.value, 1), else_=0))
    code = (SerialScanSource.gtin, SerialScanSource.lot, SerialScanSource.serial)
    flagged = session.execute(
        select(*code, networks, devices)
        .where(SerialScanSource.last_seen_on >= since)
        .group_by(*code)
        .having(networks > thresholds.network_count, devices > thresholds.device_count)
        .order_by(devices.desc())
        .limit(limit)
    ).all()
    if not flagged:
        return []
    day_code = (SerialScanDay.gtin, SerialScanDay.lot, SerialScanDay.serial)
    rollups = {
        (gtin, lot, serial): (int(scans), int(places), last)
        for gtin, lot, serial, scans, places, last in session.execute(
            select(
                *day_code,
                func.sum(SerialScanDay.scan_count),
                func.sum(SerialScanDay.place_count),
                func.max(SerialScanDay.last_scanned_at),
            )
            .where(
                SerialScanDay.day >= since,
                tuple_(*day_code).in_([(g, lt, s) for g, lt, s, _n, _d in flagged]),
            )
            .group_by(*day_code)
        )
    }
    found = []
    for gtin, lot, serial, network_count, device_count in flagged:
        scans, places, last = rollups[(gtin, lot, serial)]
        found.append(
            SuspiciousSerial(
                gtin,
                lot,
                serial,
                scans,
                int(device_count),
                places,
                last,
                None,
                network_count=int(network_count),
            )
        )
    return found


def _with_names_and_places(
    session: Session, found: list[SuspiciousSerial], *, since: dt.datetime
) -> list[SuspiciousSerial]:
    """Product and enterprise names (one query) and shared places (one query over the
    serial index, one for the names)."""
    if not found:
        return []
    owners = {
        gtin: (product, enterprise)
        for gtin, product, enterprise in session.execute(
            select(Product.gtin, Product.name_vi, Enterprise.legal_name)
            .join(Enterprise, Enterprise.id == Product.enterprise_id)
            .where(Product.gtin.in_({f.gtin for f in found}))
        )
    }
    codes: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for gtin, lot, serial, ward, province in session.execute(
        select(
            Scan.gtin, func.coalesce(Scan.lot, ""), Scan.serial, Scan.ward_code, Scan.province_code
        )
        .where(
            Scan.serial.in_({f.serial for f in found}),
            Scan.scanned_at >= since,
            or_(Scan.ward_code.is_not(None), Scan.province_code.is_not(None)),
        )
        .distinct()
    ):
        codes[(gtin, lot, serial or "")].extend(c for c in (ward, province) if c)
    wanted = {c for found_codes in codes.values() for c in found_codes}
    names = unit_names(session, wanted)
    result = []
    for item in found:
        product, enterprise = owners.get(item.gtin, (None, None))
        places = codes.get((item.gtin, item.lot, item.serial), [])
        result.append(
            dataclasses.replace(
                item,
                product_name=product,
                enterprise_name=enterprise,
                places=tuple(dict.fromkeys(names.get(c, c) for c in places)),
            )
        )
    return result


def scans_of_serial(
    session: Session, *, gtin: str, lot: str, serial: str, limit: int = 500
) -> list[Scan]:
    """The raw scans behind one serial (a drill-down of a handful of rows, by index)."""
    return list(
        session.scalars(
            select(Scan)
            .where(
                Scan.serial == serial,
                Scan.gtin == gtin,
                Scan.lot == lot if lot else Scan.lot.is_(None),
            )
            .order_by(Scan.scanned_at.desc())
            .limit(limit)
        )
    )
