"""Products and their GTINs."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from registry.actor import Actor, not_found
from registry.audit.service import (
    apply_changes,
    record_change,
    refuse_unknown_fields,
    snapshot,
)
from registry.enterprises.models import Enterprise
from registry.errors import Conflict, InvalidInput
from registry.gs1 import GS1Error, parse_gtin
from registry.pagination import Page, paginate
from registry.prefixes import service as prefixes
from registry.prefixes.models import CompanyPrefix
from registry.products.master_data import check_master_data, check_net_content_pair
from registry.products.models import Product, ProductStatus

WHAT = ("sản phẩm", "product")


@dataclass
class ProductDetails:
    name_vi: str
    name_en: str | None = None
    name_zh: str | None = None
    brand: str | None = None
    category: str | None = None
    description_vi: str | None = None
    description_en: str | None = None
    net_content: str | None = None
    standards_applied: str | None = None
    warnings_vi: str | None = None
    warnings_en: str | None = None
    image_url: str | None = None
    gpc_brick_code: str | None = None
    net_content_value: Decimal | None = None
    net_content_unit: str | None = None
    target_markets: str | None = None


EDITABLE = [f.name for f in fields(ProductDetails)]


def _check_name(name: str | None) -> None:
    if not name or not name.strip():
        raise InvalidInput(
            "Cần nhập tên sản phẩm.", "The product name is required.", field="name_vi"
        )


def checked_gtin(value: str, *, field: str = "gtin") -> str:
    try:
        return parse_gtin(value.strip()).gtin14
    except GS1Error as exc:
        raise InvalidInput(exc.message_vi, exc.message_en, field=field) from exc


def gtin_in_use(session: Session, gtin: str) -> bool:
    return session.scalar(select(Product.id).where(Product.gtin == gtin)) is not None


def _ensure_gtin_free(session: Session, gtin: str) -> None:
    if gtin_in_use(session, gtin):
        raise Conflict(
            f"GTIN {gtin} đã được dùng.", f"GTIN {gtin} is already in use.", field="gtin"
        )


def create_product(
    session: Session,
    *,
    actor: Actor,
    enterprise: Enterprise,
    details: ProductDetails,
    gtin: str | None = None,
    item_reference: int | None = None,
    prefix: CompanyPrefix | None = None,
) -> Product:
    """A product with a GTIN that is entered, asked for by item reference, or the next free."""
    actor.ensure_sees(enterprise.id, what=("doanh nghiệp", "enterprise"))
    _check_name(details.name_vi)
    values = vars(details).copy()
    check_master_data(session, values)
    check_net_content_pair(values["net_content_value"], values["net_content_unit"])
    if prefix is not None:
        actor.ensure_sees(prefix.enterprise_id, what=prefixes.WHAT)
        if prefix.enterprise_id != enterprise.id:
            raise not_found(prefixes.WHAT)
    if gtin is not None:
        value = checked_gtin(gtin)
        prefix = prefixes.owning_prefix(session, enterprise_id=enterprise.id, key=value[1:])
        if prefix is None and not actor.is_agency:
            raise InvalidInput(
                "GTIN không thuộc tiền tố mã nào của doanh nghiệp.",
                "The GTIN does not belong to any of the enterprise's company prefixes.",
                field="gtin",
            )
        _ensure_gtin_free(session, value)
    elif item_reference is not None:
        prefix = prefix or prefixes.default_prefix(session, enterprise=enterprise)
        value = prefixes.gtin_for_reference(prefix, item_reference)
        _ensure_gtin_free(session, value)
    else:
        prefix = prefix or prefixes.default_prefix(session, enterprise=enterprise)
        value = prefixes.allocate_gtin(session, prefix=prefix, in_use=partial(gtin_in_use, session))
    product = Product(
        enterprise_id=enterprise.id,
        prefix_id=prefix.id if prefix else None,
        gtin=value,
        status=ProductStatus.active,
        **values,
    )
    session.add(product)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="create",
        entity="product",
        entity_id=product.id,
        enterprise_id=enterprise.id,
        after=snapshot(product, ["gtin", *EDITABLE]),
    )
    return product


def update_product(
    session: Session, *, actor: Actor, product: Product, changes: dict[str, Any]
) -> Product:
    actor.ensure_sees(product.enterprise_id, what=WHAT)
    allowed = {*EDITABLE, "status", "image_path"}
    refuse_unknown_fields(changes, allowed)
    if "name_vi" in changes:
        _check_name(changes["name_vi"])
    if "status" in changes:
        changes["status"] = ProductStatus(changes["status"])
    check_master_data(session, changes)
    check_net_content_pair(
        changes.get("net_content_value", product.net_content_value),
        changes.get("net_content_unit", product.net_content_unit),
    )
    apply_changes(
        session,
        actor=actor,
        record=product,
        changes=changes,
        entity="product",
        enterprise_id=product.enterprise_id,
    )
    return product


def get_product(session: Session, *, actor: Actor, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise not_found(WHAT)
    actor.ensure_sees(product.enterprise_id, what=WHAT)
    return product


def product_names(session: Session, *, enterprise_id: int) -> dict[str, str]:
    """The enterprise's products' Vietnamese names, by GTIN."""
    rows = session.execute(
        select(Product.gtin, Product.name_vi).where(Product.enterprise_id == enterprise_id)
    )
    return {gtin: name for gtin, name in rows}


def count_products(session: Session, *, enterprise_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(Product).where(Product.enterprise_id == enterprise_id)
        )
        or 0
    )


def list_products(
    session: Session,
    *,
    actor: Actor,
    enterprise_id: int | None = None,
    status: ProductStatus | None = None,
    category: str | None = None,
    query: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[Product]:
    statement: Select[Any] = select(Product).order_by(Product.id)
    if not actor.is_agency:
        statement = statement.where(Product.enterprise_id == actor.enterprise_id)
    if enterprise_id is not None:
        statement = statement.where(Product.enterprise_id == enterprise_id)
    if status:
        statement = statement.where(Product.status == status)
    if category:
        statement = statement.where(Product.category == category)
    if query:
        like = f"%{query.strip()}%"
        statement = statement.where(
            or_(
                Product.name_vi.ilike(like),
                Product.name_en.ilike(like),
                Product.name_zh.ilike(like),
                Product.gtin.like(like),
            )
        )
    return paginate(session, statement, page=page, per_page=per_page)
