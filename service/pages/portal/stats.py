"""My statistics: scans of my products by month, product and place; warnings; recalls."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import APIRouter, Request
from starlette.responses import Response

from registry.products.service import product_names
from registry.recalls.service import recalls_of_enterprise
from registry.reports.service import reports_about_products_of
from registry.scans.service import warning_scans_of
from registry.stats.producer import last_months, scans_by_month, scans_by_place, scans_by_product
from registry.stats.rollups import local_day
from service.deps import SessionDep
from service.pages.portal.common import PortalDep, page

router = APIRouter(prefix="/portal/stats")
LIST_LIMIT = 50


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    percent: int  # of the largest bar, for the CSS width class


def _bars(rows: list[tuple[str, int]]) -> list[Bar]:
    top = max((count for _, count in rows), default=0)
    # Widths step by 5 % so the stylesheet needs no inline style (strict CSP).
    return [Bar(label, count, 5 * round(20 * count / top) if top else 0) for label, count in rows]


@router.get("")
def stats(request: Request, session: SessionDep, portal: PortalDep) -> Response:
    enterprise_id = portal.enterprise.id
    months = last_months(local_day(dt.datetime.now(dt.UTC)))
    by_month = scans_by_month(session, enterprise_id=enterprise_id, months=months)
    by_product = scans_by_product(session, enterprise_id=enterprise_id, months=months)
    return page(
        request,
        "portal/stats.html",
        {
            "by_month": _bars([(f"{month:%m/%Y}", count) for month, count in by_month]),
            "by_product": _bars([(f"{p.name} ({p.gtin})", p.scan_count) for p in by_product]),
            "by_place": _bars(scans_by_place(session, enterprise_id=enterprise_id, months=months)),
            "suspicious": warning_scans_of(session, enterprise_id=enterprise_id, limit=LIST_LIMIT),
            "reports": reports_about_products_of(
                session, enterprise_id=enterprise_id, limit=LIST_LIMIT
            ),
            "recalls": recalls_of_enterprise(session, enterprise_id=enterprise_id),
            "names": product_names(session, enterprise_id=enterprise_id),
        },
        portal=portal,
    )
