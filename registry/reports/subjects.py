"""What a consumer report is about, as the officer needs it: the product and its
producer, and the lot when the report names one the registry knows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.lots.models import Lot
from registry.products.models import Product
from registry.reports.models import ConsumerReport


@dataclass(frozen=True)
class ReportSubject:
    product: Product | None
    lot: Lot | None


def subjects_of(session: Session, reports: Sequence[ConsumerReport]) -> dict[int, ReportSubject]:
    gtins = {r.gtin for r in reports if r.gtin}
    products = {p.gtin: p for p in session.scalars(select(Product).where(Product.gtin.in_(gtins)))}
    codes = {r.lot for r in reports if r.lot}
    lots = {
        (lot.product_id, lot.code): lot
        for lot in session.scalars(
            select(Lot).where(
                Lot.product_id.in_([p.id for p in products.values()]), Lot.code.in_(codes)
            )
        )
    }
    subjects = {}
    for report in reports:
        product = products.get(report.gtin or "")
        lot = lots.get((product.id, report.lot or "")) if product else None
        subjects[report.id] = ReportSubject(product, lot)
    return subjects
