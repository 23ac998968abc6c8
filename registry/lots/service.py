"""Lots (batches): the unit that a label, an event and a recall speak of."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from registry.actor import Actor, not_found
from registry.audit.service import (
    apply_changes,
    record_change,
    refuse_unknown_fields,
    snapshot,
)
from registry.errors import Conflict, InvalidInput
from registry.gs1 import GS1Error, validate_ai_value
from registry.locations.models import Location
from registry.lots.models import Lot, LotStatus
from registry.markets import checked_market
from registry.pagination import Page, paginate
from registry.products.models import Product
from registry.text import check_quantity
from registry.vn import suggest_ascii

WHAT = ("lô hàng", "lot")
FIELDS = [
    "code",
    "production_on",
    "expiry_on",
    "best_before_on",
    "quantity",
    "unit",
    "origin_location_id",
    "export_market",
    "packhouse_location_id",
    "status",
]


def checked_lot_code(code: str, *, field: str = "code") -> str:
    """A lot code in GS1 CSET 82 (AI 10); Vietnamese input gets an ASCII suggestion."""
    value = code.strip()
    if not value:
        raise InvalidInput("Cần nhập mã lô.", "Enter the lot code.", field=field)
    try:
        validate_ai_value("10", value)
    except GS1Error as exc:
        suggestion = suggest_ascii(value).replace(" ", "-")[:20]
        vi = (
            "Mã lô chỉ dùng chữ không dấu, chữ số và các dấu như - . /"
            " (không khoảng trắng, tối đa 20 ký tự)."
        )
        en = (
            "A lot code holds only letters without accents, digits and marks such as - . /"
            " (no spaces, at most 20 characters)."
        )
        if suggestion and suggestion != value:
            vi += f" Gợi ý: {suggestion}"
            en += f" Suggestion: {suggestion}"
        raise InvalidInput(vi, en, field=field) from exc
    return value


def _check_dates(production_on: dt.date | None, expiry_on: dt.date | None) -> None:
    if production_on and expiry_on and expiry_on < production_on:
        raise InvalidInput(
            "Hạn sử dụng phải sau ngày sản xuất.",
            "The expiry date must come after the production date.",
            field="expiry_on",
        )


def _check_unit(quantity: Decimal | None, unit: str | None) -> None:
    check_quantity(quantity)
    if unit is not None and not (2 <= len(unit) <= 3 and unit.isalnum() and unit.isupper()):
        raise InvalidInput(
            "Đơn vị phải là mã UN/ECE (ví dụ KGM).",
            "The unit must be a UN/ECE code (e.g. KGM).",
            field="unit",
        )


def create_lot(
    session: Session,
    *,
    actor: Actor,
    product: Product,
    code: str,
    production_on: dt.date | None = None,
    expiry_on: dt.date | None = None,
    best_before_on: dt.date | None = None,
    quantity: Decimal | None = None,
    unit: str | None = None,
    origin_location: Location | None = None,
    export_market: str | None = None,
    packhouse_location: Location | None = None,
) -> Lot:
    """A new lot. An export lot (`export_market` set) must also pass
    `registry.market_codes.service.check_export_lot`, which the caller runs."""
    actor.ensure_sees(product.enterprise_id, what=("sản phẩm", "product"))
    value = checked_lot_code(code)
    _check_dates(production_on, expiry_on)
    _check_unit(quantity, unit)
    for place in (origin_location, packhouse_location):
        if place is not None and place.enterprise_id != product.enterprise_id:
            raise not_found(("địa điểm", "location"))
    market = checked_market(export_market) if export_market else None
    if session.scalar(select(Lot.id).where(Lot.product_id == product.id, Lot.code == value)):
        raise Conflict(
            f"Lô {value} của sản phẩm này đã tồn tại.",
            f"Lot {value} of this product already exists.",
            field="code",
        )
    lot = Lot(
        product_id=product.id,
        code=value,
        production_on=production_on,
        expiry_on=expiry_on,
        best_before_on=best_before_on,
        quantity=quantity,
        unit=unit,
        origin_location_id=origin_location.id if origin_location else None,
        export_market=market,
        packhouse_location_id=packhouse_location.id if packhouse_location else None,
        status=LotStatus.active,
    )
    session.add(lot)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="create",
        entity="lot",
        entity_id=lot.id,
        enterprise_id=product.enterprise_id,
        after=snapshot(lot, FIELDS),
    )
    return lot


def update_lot(session: Session, *, actor: Actor, lot: Lot, changes: dict[str, Any]) -> Lot:
    actor.ensure_sees(lot.product.enterprise_id, what=WHAT)
    allowed = {
        "production_on",
        "expiry_on",
        "best_before_on",
        "quantity",
        "unit",
        "origin_location_id",
        "export_market",
        "packhouse_location_id",
    }
    refuse_unknown_fields(changes, allowed)
    if changes.get("export_market"):
        changes = {**changes, "export_market": checked_market(changes["export_market"])}
    _check_dates(
        changes.get("production_on", lot.production_on), changes.get("expiry_on", lot.expiry_on)
    )
    _check_unit(changes.get("quantity", lot.quantity), changes.get("unit", lot.unit))
    for field in ("origin_location_id", "packhouse_location_id"):
        if changes.get(field) is not None:
            place = session.get(Location, changes[field])
            if place is None or place.enterprise_id != lot.product.enterprise_id:
                raise not_found(("địa điểm", "location"))
    apply_changes(
        session,
        actor=actor,
        record=lot,
        changes=changes,
        entity="lot",
        enterprise_id=lot.product.enterprise_id,
    )
    return lot


def get_lot(session: Session, *, actor: Actor, lot_id: int) -> Lot:
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise not_found(WHAT)
    actor.ensure_sees(lot.product.enterprise_id, what=WHAT)
    return lot


def find_lot(session: Session, *, gtin: str, code: str) -> Lot | None:
    return session.scalar(
        select(Lot)
        .join(Product, Lot.product_id == Product.id)
        .where(Product.gtin == gtin, Lot.code == code)
    )


def count_lots(session: Session, *, enterprise_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Lot)
            .join(Product, Lot.product_id == Product.id)
            .where(Product.enterprise_id == enterprise_id)
        )
        or 0
    )


def lots_of_product(session: Session, *, product_id: int) -> list[Lot]:
    return list(session.scalars(select(Lot).where(Lot.product_id == product_id).order_by(Lot.code)))


def lots_by_id(session: Session, lot_ids: Collection[int]) -> list[Lot]:
    return list(session.scalars(select(Lot).where(Lot.id.in_(lot_ids)).order_by(Lot.id)))


def list_lots(
    session: Session,
    *,
    actor: Actor,
    product_id: int | None = None,
    status: LotStatus | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[Lot]:
    statement: Select[Any] = (
        select(Lot).join(Product, Lot.product_id == Product.id).order_by(Lot.id)
    )
    if not actor.is_agency:
        statement = statement.where(Product.enterprise_id == actor.enterprise_id)
    if product_id is not None:
        statement = statement.where(Lot.product_id == product_id)
    if status:
        statement = statement.where(Lot.status == status)
    return paginate(session, statement, page=page, per_page=per_page)
