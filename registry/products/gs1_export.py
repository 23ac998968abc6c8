"""The master-data sheet an enterprise hands to GS1 Vietnam, and the agency's view of how
complete each enterprise's master data is.

Columns carry the Verified by GS1 attribute names (GS1 Registry Platform data model:
`gtin`, `licenceKey`, `companyName`, `gtinStatus`, `brandName`, `productDescription`,
`productImageUrl`, `gpcCategoryCode`, `netContent` with its `unitCode`,
`countryOfSaleCode`); a language-dependent attribute gets one column per language,
named with the language in brackets.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import Float, and_, case, cast, func, select
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.enterprises.models import Enterprise
from registry.gpc.models import GpcCategory, GpcLevel
from registry.gpc.service import brick_titles
from registry.prefixes.models import CompanyPrefix
from registry.products.master_data import (
    ATTRIBUTES,
    alpha2_markets,
    completeness,
    product_image_url,
)
from registry.products.models import Product, ProductStatus

COLUMNS: Final = (
    "gtin",
    "licenceKey",
    "companyName",
    "gtinStatus",
    "brandName",
    "productDescription [vi]",
    "productDescription [en]",
    "productImageUrl",
    "gpcCategoryCode",
    "gpcCategoryName",
    "netContent",
    "netContent unitCode",
    "countryOfSaleCode",
    "countryOfSaleCode [alpha-2]",
    "completeness %",
    "missing",
)


def _number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def master_data_rows(
    session: Session, *, actor: Actor, enterprise: Enterprise, base_url: str
) -> Iterator[Sequence[Any]]:
    """One row per product of this enterprise, in GTIN order, in the order of COLUMNS."""
    actor.ensure_sees(enterprise.id, what=("doanh nghiệp", "enterprise"))
    rows = session.execute(
        select(Product, CompanyPrefix.prefix)
        .outerjoin(CompanyPrefix, CompanyPrefix.id == Product.prefix_id)
        .where(Product.enterprise_id == enterprise.id)
        .order_by(Product.gtin)
    ).all()
    titles = brick_titles(session, {p.gpc_brick_code or "" for p, _ in rows})
    known = frozenset(titles)
    for product, licence_key in rows:
        score = completeness(product, known_bricks=known)
        yield (
            product.gtin,
            licence_key,
            enterprise.legal_name,
            "ACTIVE" if product.status == ProductStatus.active else "INACTIVE",
            product.brand,
            product.name_vi,
            product.name_en,
            product_image_url(product, base_url=base_url),
            product.gpc_brick_code,
            titles.get(product.gpc_brick_code or ""),
            _number(product.net_content_value),
            product.net_content_unit,
            product.target_markets,
            alpha2_markets(product.target_markets) or None,
            score.percent,
            " ".join(a.gs1_name for a in score.missing) or None,
        )


@dataclass(frozen=True)
class EnterpriseCompleteness:
    enterprise_id: int
    legal_name: str
    products: int
    average_percent: float
    complete: int


def _present(condition: Any) -> Any:
    return case((condition, 1), else_=0)


def completeness_by_enterprise(session: Session, *, actor: Actor) -> list[EnterpriseCompleteness]:
    """For the agency: per enterprise with products, the average completeness of its
    products' core attributes and how many have all of them (lowest average first)."""
    actor.ensure_agency()
    brick = GpcCategory
    present = (
        _present(Product.gtin.is_not(None))
        + _present(func.length(func.trim(func.coalesce(Product.brand, ""))) > 0)
        + _present(func.length(func.trim(Product.name_vi)) > 0)
        + _present(Product.image_url.is_not(None) | Product.image_path.is_not(None))
        + _present(brick.code.is_not(None))
        + _present(Product.net_content_value.is_not(None) & Product.net_content_unit.is_not(None))
        + _present(Product.target_markets.is_not(None))
    )
    total = len(ATTRIBUTES)
    statement = (
        select(
            Enterprise.id,
            Enterprise.legal_name,
            func.count(Product.id),
            func.avg(cast(present, Float)),
            func.sum(case((present == total, 1), else_=0)),
        )
        .join(Product, Product.enterprise_id == Enterprise.id)
        .outerjoin(
            brick,
            and_(brick.code == Product.gpc_brick_code, brick.level == GpcLevel.brick),
        )
        .group_by(Enterprise.id, Enterprise.legal_name)
    )
    result = [
        EnterpriseCompleteness(
            enterprise_id=enterprise_id,
            legal_name=name,
            products=int(count),
            average_percent=round(100 * float(average or 0) / total, 1),
            complete=int(complete or 0),
        )
        for enterprise_id, name, count, average, complete in session.execute(statement)
    ]
    return sorted(result, key=lambda row: (row.average_percent, row.legal_name))
