"""Consumer scans: one row per resolution, and a per-serial daily rollup.

No raw IP address is ever stored: a device is a salted hash that changes every day.
A place is kept only when the consumer chose to share it, and only coarsely. What the
suspicious-copy rule counts, the networks and devices that scanned a serial, is kept as
hashes salted per serial (SerialScanSource), which link nothing across serials.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.agents import COUNTED_AGENTS as COUNTED_AGENTS
from registry.agents import AgentClass as AgentClass
from registry.db import Base, UTCDateTime
from registry.types import BigIntPK


class Scan(Base):
    __tablename__ = "scan"
    __table_args__ = (
        Index("ix_scan_gtin_scanned_at", "gtin", "scanned_at"),
        # Serial first: the writer asks "which places were seen for this serial today?".
        Index("ix_scan_serial", "serial", "device_hash"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    scanned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    gtin: Mapped[str] = mapped_column(String(14))
    lot: Mapped[str | None] = mapped_column(String(20))
    serial: Mapped[str | None] = mapped_column(String(20))
    verdict: Mapped[str] = mapped_column(String(24))
    device_hash: Mapped[str] = mapped_column(String(32))
    agent_class: Mapped[str] = mapped_column(String(8))
    province_code: Mapped[str | None] = mapped_column(String(16))
    ward_code: Mapped[str | None] = mapped_column(String(16))
    # Rounded to 0.1° (about 11 km): enough for statistics, too coarse to find a person.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)


class SerialScanDay(Base):
    """Scans of one serial on one (UTC) day, kept up to date on every flush, so the
    suspicious-copy check reads a handful of rows by primary key."""

    __tablename__ = "serial_scan_day"

    gtin: Mapped[str] = mapped_column(String(14), primary_key=True)
    lot: Mapped[str] = mapped_column(String(20), primary_key=True)
    serial: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    scan_count: Mapped[int] = mapped_column(Integer, default=0)
    place_count: Mapped[int] = mapped_column(Integer, default=0)
    first_scanned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_scanned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SerialScanSource(Base):
    """A network or a device that scanned a serial, and the last day it did: the
    suspicious-copy rule counts the distinct ones within its window.

    `source` is a keyed hash of the serial and the network (IPv4 /24, IPv6 /48) or the
    device cookie, so the same phone scanning two serials leaves two unrelated values.
    """

    __tablename__ = "serial_scan_source"

    gtin: Mapped[str] = mapped_column(String(14), primary_key=True)
    lot: Mapped[str] = mapped_column(String(20), primary_key=True)
    serial: Mapped[str] = mapped_column(String(20), primary_key=True)
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # SourceKind
    first_seen_on: Mapped[dt.date] = mapped_column(Date)
    last_seen_on: Mapped[dt.date] = mapped_column(Date)


class SourceKind(enum.StrEnum):
    network = "network"
    device = "device"
