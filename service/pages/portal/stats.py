"""My statistics: scans of my products by month, product and place; warnings; recalls."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import APIRouter, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from registry.places.models import AdminUnit
from registry.products.models import Product
from registry.recalls.models import Recall
from registry.reports.models import ConsumerReport
from registry.scans.models import Scan
from registry.stats.models import ScanMonthEnterprise
from registry.verdicts import Verdict
from service.deps import SessionDep
from service.pages.portal.common import PortalDep, page

router = APIRouter(prefix="/portal/stats")
WINDOW_DAYS = 365
LIST_LIMIT = 50
WARNING_VERDICTS = [
    Verdict.suspicious_copy.value,
    Verdict.serial_never_issued.value,
    Verdict.serial_void.value,
]


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    percent: int  # of the largest bar, for the CSS width class


def _bars(rows: list[tuple[str, int]]) -> list[Bar]:
    top = max((count for _, count in rows), default=0)
    # Widths step by 5 % so the stylesheet needs no inline style (strict CSP).
    return [Bar(label, count, 5 * round(20 * count / top) if top else 0) for label, count in rows]


def _my_gtins(session: Session, enterprise_id: int) -> dict[str, str]:
    rows = session.execute(
        select(Product.gtin, Product.name_vi).where(Product.enterprise_id == enterprise_id)
    )
    return {gtin: name for gtin, name in rows}


def scans_by_month(session: Session, enterprise_id: int, since: dt.date) -> list[tuple[str, int]]:
    """From the agency engineer's monthly rollup, kept up to date as scans are stored."""
    rows = session.execute(
        select(ScanMonthEnterprise.month, ScanMonthEnterprise.scan_count)
        .where(
            ScanMonthEnterprise.enterprise_id == enterprise_id, ScanMonthEnterprise.month >= since
        )
        .order_by(ScanMonthEnterprise.month)
    )
    return [(month.strftime("%m/%Y"), int(total or 0)) for month, total in rows]


def scans_by_product(
    session: Session, gtins: dict[str, str], since: dt.datetime
) -> list[tuple[str, int]]:
    if not gtins:
        return []
    rows = session.execute(
        select(Scan.gtin, func.count())
        .where(Scan.gtin.in_(gtins), Scan.scanned_at >= since)
        .group_by(Scan.gtin)
        .order_by(func.count().desc())
    )
    return [(f"{gtins[gtin]} ({gtin})", int(count)) for gtin, count in rows]


def scans_by_place(
    session: Session, gtins: dict[str, str], since: dt.datetime
) -> list[tuple[str, int]]:
    if not gtins:
        return []
    place = func.coalesce(Scan.ward_code, Scan.province_code)
    rows = list(
        session.execute(
            select(place, func.count())
            .where(Scan.gtin.in_(gtins), Scan.scanned_at >= since, place.is_not(None))
            .group_by(place)
            .order_by(func.count().desc())
            .limit(20)
        )
    )
    names = {
        unit.code: unit.name
        for unit in session.scalars(
            select(AdminUnit).where(AdminUnit.code.in_([code for code, _ in rows]))
        )
    }
    return [(names.get(code, code), int(count)) for code, count in rows]


@router.get("")
def stats(request: Request, session: SessionDep, portal: PortalDep) -> Response:
    enterprise_id = portal.enterprise.id
    now = dt.datetime.now(dt.UTC)
    since = now - dt.timedelta(days=WINDOW_DAYS)
    gtins = _my_gtins(session, enterprise_id)
    suspicious = (
        list(
            session.scalars(
                select(Scan)
                .where(Scan.gtin.in_(gtins), Scan.verdict.in_(WARNING_VERDICTS))
                .order_by(Scan.scanned_at.desc())
                .limit(LIST_LIMIT)
            )
        )
        if gtins
        else []
    )
    reports = (
        list(
            session.scalars(
                select(ConsumerReport)
                .where(ConsumerReport.gtin.in_(gtins))
                .order_by(ConsumerReport.created_at.desc())
                .limit(LIST_LIMIT)
            )
        )
        if gtins
        else []
    )
    recalls = list(
        session.execute(
            select(Recall, Product)
            .join(Product, Recall.product_id == Product.id)
            .where(Product.enterprise_id == enterprise_id)
            .order_by(Recall.started_at.desc())
        )
    )
    return page(
        request,
        "portal/stats.html",
        {
            "by_month": _bars(scans_by_month(session, enterprise_id, since.date().replace(day=1))),
            "by_product": _bars(scans_by_product(session, gtins, since)),
            "by_place": _bars(scans_by_place(session, gtins, since)),
            "suspicious": suspicious,
            "reports": reports,
            "recalls": recalls,
            "names": gtins,
        },
        portal=portal,
    )
