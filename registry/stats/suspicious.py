"""Serials with anomalous scans, read from the per-serial daily rollup (SerialScanDay)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from registry.products.models import Product
from registry.scans.models import Scan, SerialScanDay


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


def suspicious_serials(
    session: Session,
    *,
    today: dt.date,
    window_days: int,
    scan_threshold: int,
    device_threshold: int,
    limit: int = 200,
) -> list[SuspiciousSerial]:
    """Serials scanned more often, or by more devices or places, than one buyer would,
    within the window (the same test the resolver applies to one scan)."""
    since = today - dt.timedelta(days=window_days - 1)
    scans = func.sum(SerialScanDay.scan_count)
    devices = func.sum(SerialScanDay.device_count)
    places = func.sum(SerialScanDay.place_count)
    rows = session.execute(
        select(
            SerialScanDay.gtin,
            SerialScanDay.lot,
            SerialScanDay.serial,
            scans,
            devices,
            places,
            func.max(SerialScanDay.last_scanned_at),
        )
        .where(SerialScanDay.day >= since)
        .group_by(SerialScanDay.gtin, SerialScanDay.lot, SerialScanDay.serial)
        .having(or_(scans > scan_threshold, devices > device_threshold, places > device_threshold))
        .order_by(scans.desc())
        .limit(limit)
    ).all()
    names = dict(
        session.execute(
            select(Product.gtin, Product.name_vi).where(Product.gtin.in_({r[0] for r in rows}))
        ).all()
    )
    return [
        SuspiciousSerial(g, lot, s, int(n), int(d), int(p), last, names.get(g))
        for g, lot, s, n, d, p, last in rows
    ]


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
