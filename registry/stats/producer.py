"""One producer's own statistics (its portal): scans of its products by month, product and
place over the last months, read from the monthly rollups kept as scans are stored, so
they count what the agency's dashboard counts (consumers, not bots or repeats)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.places.service import unit_names
from registry.products.models import Product
from registry.stats.models import (
    UNKNOWN,
    ScanMonthEnterprise,
    ScanMonthEnterprisePlace,
    ScanPeriodProduct,
)
from registry.stats.rollups import period_keys

# The portal's "last twelve months": the current month (Vietnam time) and the eleven before.
WINDOW_MONTHS = 12
PRODUCTS_SHOWN = 50
PLACES_SHOWN = 20


def last_months(today: dt.date, count: int = WINDOW_MONTHS) -> list[dt.date]:
    """The first days of the `count` months that end with today's, oldest first."""
    index = today.year * 12 + today.month - 1
    return [dt.date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


@dataclass(frozen=True)
class ProductScans:
    gtin: str
    name: str
    scan_count: int


def scans_by_month(
    session: Session, *, enterprise_id: int, months: list[dt.date]
) -> list[tuple[dt.date, int]]:
    """Months with scans, oldest first."""
    rows = session.execute(
        select(ScanMonthEnterprise.month, ScanMonthEnterprise.scan_count)
        .where(
            ScanMonthEnterprise.enterprise_id == enterprise_id,
            ScanMonthEnterprise.month.in_(months),
        )
        .order_by(ScanMonthEnterprise.month)
    )
    return [(month, int(count)) for month, count in rows]


def scans_by_product(
    session: Session, *, enterprise_id: int, months: list[dt.date]
) -> list[ProductScans]:
    """The producer's products as they are now, most scanned first."""
    total = func.sum(ScanPeriodProduct.scan_count)
    rows = session.execute(
        select(Product.gtin, Product.name_vi, total)
        .join(ScanPeriodProduct, ScanPeriodProduct.gtin == Product.gtin)
        .where(
            Product.enterprise_id == enterprise_id,
            ScanPeriodProduct.period.in_([period_keys(month)[2] for month in months]),
        )
        .group_by(Product.gtin, Product.name_vi)
        .order_by(total.desc(), Product.gtin)
        .limit(PRODUCTS_SHOWN)
    )
    return [ProductScans(gtin, name, int(count)) for gtin, name, count in rows]


def scans_by_place(
    session: Session, *, enterprise_id: int, months: list[dt.date]
) -> list[tuple[str, int]]:
    """(ward name, or the province's when no ward was shared; scans), most first."""
    place = ScanMonthEnterprisePlace
    # A ward is in one province: the ward when it was shared, else the province.
    code = func.coalesce(func.nullif(place.ward_code, UNKNOWN), place.province_code)
    total = func.sum(place.scan_count)
    rows = session.execute(
        select(code, total)
        .where(place.enterprise_id == enterprise_id, place.month.in_(months))
        .group_by(code)
        .order_by(total.desc(), code)
        .limit(PLACES_SHOWN)
    ).all()
    names = unit_names(session, {code for code, _ in rows})
    return [(names.get(code, code), int(count)) for code, count in rows]
