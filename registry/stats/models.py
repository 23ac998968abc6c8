"""Monthly scan rollups, one per question the dashboard asks.

A day × product × place × verdict cube would be nearly as large as the scan table
itself (most products are not scanned every day in every ward), so the scans are
folded into a few small cubes instead, by month (and, for products and producers, also
by quarter and year). Periods on the dashboard are whole months, quarters or years, which
is all these need. Unknown keys are stored as "" (or enterprise 0) because they are part
of primary keys.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base

UNKNOWN = ""
NO_ENTERPRISE = 0


class ScanPeriodProduct(Base):
    """Scans per GTIN for every month, quarter and year ("2025-10", "2025-Q4", "2025"),
    with how many showed a warning. The index on (period, scan_count) makes "most scanned
    products of a period" a read of twenty index entries instead of a GROUP BY."""

    __tablename__ = "scan_period_product"
    __table_args__ = (Index("ix_scan_period_product_ranking", "period", "scan_count"),)

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    gtin: Mapped[str] = mapped_column(String(14), primary_key=True)
    # Who the GTIN belonged to when the scans were rolled up (0: not registered).
    enterprise_id: Mapped[int] = mapped_column(Integer, default=NO_ENTERPRISE, index=True)
    scan_count: Mapped[int] = mapped_column(Integer, default=0)
    warning_count: Mapped[int] = mapped_column(Integer, default=0)


class ScanMonthPlace(Base):
    """Scans per month by where the consumer was (only when they shared it) and verdict."""

    __tablename__ = "scan_month_place"

    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    province_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    ward_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    verdict: Mapped[str] = mapped_column(String(24), primary_key=True)
    scan_count: Mapped[int] = mapped_column(Integer, default=0)


class ScanMonthEnterprise(Base):
    """Scans per month and producer, with the first and last day scanned in the month,
    which is enough to answer "scanned in the 90 days before D" exactly."""

    __tablename__ = "scan_month_enterprise"

    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scan_count: Mapped[int] = mapped_column(Integer, default=0)
    first_scanned_on: Mapped[dt.date] = mapped_column(Date)
    last_scanned_on: Mapped[dt.date] = mapped_column(Date)


class ScanMonthEnterprisePlace(Base):
    """Scans per month and producer by where the consumer was, only when they shared it:
    a producer's "where are my products scanned", which `ScanMonthPlace` (every producer
    together) cannot answer."""

    __tablename__ = "scan_month_enterprise_place"

    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    ward_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    scan_count: Mapped[int] = mapped_column(Integer, default=0)


class ScanPeriodEnterprise(Base):
    """Scans per quarter and year ("2025-Q4", "2025") and producer, with the last day
    scanned. The last 90 days of a quarter or a year lie inside it, so "scanned in the 90
    days before the end" is `last_scanned_on` alone: the dashboard reads one row per
    producer and period instead of folding three or twelve months of
    `ScanMonthEnterprise` (which months keep, their window reaching back before them)."""

    __tablename__ = "scan_period_enterprise"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scan_count: Mapped[int] = mapped_column(Integer, default=0)
    last_scanned_on: Mapped[dt.date] = mapped_column(Date)


STATS_TABLES = [
    ScanPeriodProduct.__table__,
    ScanMonthPlace.__table__,
    ScanMonthEnterprise.__table__,
    ScanMonthEnterprisePlace.__table__,
    ScanPeriodEnterprise.__table__,
]
