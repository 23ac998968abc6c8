"""Company prefixes and the allocation of GTINs and GLNs from them.

Allocation is one atomic UPDATE … RETURNING on the prefix's counter, so any
number of concurrent requests get distinct numbers without a table lock.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from registry.accounts.actor import Actor, not_found
from registry.audit.service import record_change
from registry.db import utcnow
from registry.enterprises.models import Enterprise
from registry.errors import Conflict, Exhausted, InvalidInput
from registry.gs1 import gs1_check_digit
from registry.locations.models import Location
from registry.prefixes.models import CompanyPrefix, PrefixSource
from registry.products.models import Product
from registry.vn import VNRuleError, prefix_capacity, validate_company_prefix

WHAT = ("tiền tố mã doanh nghiệp", "company prefix")


def _checked_prefix(prefix: str) -> str:
    try:
        return validate_company_prefix(prefix.strip())
    except VNRuleError as exc:
        raise InvalidInput(exc.message_vi, exc.message_en, field="prefix") from exc


def _overlapping(session: Session, prefix: str) -> CompanyPrefix | None:
    """A recorded prefix that is this one, or that contains or is contained by it."""
    candidates = [prefix[:length] for length in range(7, len(prefix) + 1)]
    found = session.scalar(select(CompanyPrefix).where(CompanyPrefix.prefix.in_(candidates)))
    if found is not None:
        return found
    return session.scalar(
        select(CompanyPrefix).where(CompanyPrefix.prefix.startswith(prefix, autoescape=True))
    )


def _new_prefix(prefix: str, source: PrefixSource, enterprise: Enterprise | None) -> CompanyPrefix:
    capacity = prefix_capacity(prefix)
    return CompanyPrefix(
        prefix=prefix,
        source=source,
        enterprise_id=enterprise.id if enterprise else None,
        assigned_at=utcnow() if enterprise else None,
        capacity=capacity,
        next_item_reference=0,
        next_location_reference=capacity - 1,
    )


def _ensure_free(session: Session, prefix: str) -> None:
    clash = _overlapping(session, prefix)
    if clash is not None:
        raise Conflict(
            f"Tiền tố {prefix} trùng với tiền tố đã ghi nhận {clash.prefix}.",
            f"Prefix {prefix} overlaps the recorded prefix {clash.prefix}.",
            field="prefix",
        )


def record_own_prefix(
    session: Session, *, actor: Actor, enterprise: Enterprise, prefix: str
) -> CompanyPrefix:
    """An enterprise's own prefix, licensed to it by GS1 Vietnam."""
    actor.ensure_sees(enterprise.id, what=("doanh nghiệp", "enterprise"))
    value = _checked_prefix(prefix)
    _ensure_free(session, value)
    row = _new_prefix(value, PrefixSource.own, enterprise)
    session.add(row)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="record",
        entity="company_prefix",
        entity_id=row.id,
        enterprise_id=enterprise.id,
        after={"prefix": value},
    )
    return row


def add_pool_prefix(session: Session, *, actor: Actor, prefix: str) -> CompanyPrefix:
    """A prefix the agency holds and may assign to enterprises that have none."""
    actor.ensure_admin()
    value = _checked_prefix(prefix)
    _ensure_free(session, value)
    row = _new_prefix(value, PrefixSource.pool, None)
    session.add(row)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="add_to_pool",
        entity="company_prefix",
        entity_id=row.id,
        after={"prefix": value},
    )
    return row


def assign_pool_prefix(
    session: Session, *, actor: Actor, enterprise: Enterprise, prefix_length: int | None = None
) -> CompanyPrefix:
    actor.ensure_agency()
    statement = (
        select(CompanyPrefix)
        .where(CompanyPrefix.source == PrefixSource.pool, CompanyPrefix.enterprise_id.is_(None))
        .order_by(CompanyPrefix.prefix)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if prefix_length is not None:
        statement = statement.where(CompanyPrefix.prefix.like("_" * prefix_length))
    row = session.scalar(statement)
    if row is None:
        raise Exhausted(
            "Kho tiền tố của Chi cục đã hết; hãy liên hệ quản trị viên.",
            "The agency's prefix pool is empty; contact the administrator.",
            field="prefix",
        )
    row.enterprise_id = enterprise.id
    row.assigned_at = utcnow()
    record_change(
        session,
        actor=actor,
        action="assign",
        entity="company_prefix",
        entity_id=row.id,
        enterprise_id=enterprise.id,
        after={"prefix": row.prefix},
    )
    return row


def get_prefix(session: Session, *, actor: Actor, prefix_id: int) -> CompanyPrefix:
    row = session.get(CompanyPrefix, prefix_id)
    if row is None:
        raise not_found(WHAT)
    actor.ensure_sees(row.enterprise_id, what=WHAT)
    return row


def default_prefix(session: Session, *, enterprise: Enterprise) -> CompanyPrefix:
    row = session.scalar(
        select(CompanyPrefix)
        .where(CompanyPrefix.enterprise_id == enterprise.id)
        .order_by(CompanyPrefix.assigned_at, CompanyPrefix.id)
        .limit(1)
    )
    if row is None:
        raise InvalidInput(
            "Doanh nghiệp chưa có tiền tố mã GS1; hãy nhập tiền tố hoặc xin cấp từ Chi cục.",
            "The enterprise has no GS1 company prefix yet; "
            "record one or request one from the agency.",
            field="prefix",
        )
    return row


def _key(prefix: str, reference: int) -> str:
    digits = prefix + str(reference).zfill(12 - len(prefix))
    return digits + gs1_check_digit(digits)


def _take_next(session: Session, prefix: CompanyPrefix, *, for_location: bool) -> int:
    column = (
        CompanyPrefix.next_location_reference if for_location else CompanyPrefix.next_item_reference
    )
    step = -1 if for_location else 1
    statement = (
        update(CompanyPrefix)
        .where(
            CompanyPrefix.id == prefix.id,
            CompanyPrefix.next_item_reference <= CompanyPrefix.next_location_reference,
        )
        .values({column: column + step})
        .returning(column)
        .execution_options(synchronize_session=False)
    )
    taken = session.scalar(statement)
    if taken is None:
        raise Exhausted(
            f"Tiền tố {prefix.prefix} đã dùng hết {prefix.capacity:,} mã.",
            f"Prefix {prefix.prefix} has used all of its {prefix.capacity:,} numbers.",
            field="prefix",
        )
    return int(taken) - step


def allocate_gtin(
    session: Session, *, prefix: CompanyPrefix, item_reference: int | None = None
) -> str:
    """The next free GTIN (14 digits), or the one with a requested item reference."""
    if item_reference is not None:
        if not 0 <= item_reference < prefix.capacity:
            raise InvalidInput(
                f"Số tham chiếu vật phẩm phải từ 0 đến {prefix.capacity - 1}.",
                f"The item reference must be between 0 and {prefix.capacity - 1}.",
                field="item_reference",
            )
        gtin = "0" + _key(prefix.prefix, item_reference)
        if session.scalar(select(Product.id).where(Product.gtin == gtin)):
            raise Conflict(
                f"GTIN {gtin} đã được dùng.", f"GTIN {gtin} is already in use.", field="gtin"
            )
        return gtin
    while True:
        gtin = "0" + _key(prefix.prefix, _take_next(session, prefix, for_location=False))
        # Skip numbers someone took by asking for that item reference explicitly.
        if session.scalar(select(Product.id).where(Product.gtin == gtin)) is None:
            return gtin


def allocate_gln(session: Session, *, prefix: CompanyPrefix) -> str:
    while True:
        gln = _key(prefix.prefix, _take_next(session, prefix, for_location=True))
        if session.scalar(select(Location.id).where(Location.gln == gln)) is None:
            return gln


def owning_prefix(session: Session, *, enterprise_id: int, key: str) -> CompanyPrefix | None:
    """The enterprise's prefix a 13-digit key (GTIN-13 or GLN) was made from, if any."""
    candidates = [key[:length] for length in range(7, 11)]
    return session.scalar(
        select(CompanyPrefix).where(
            CompanyPrefix.enterprise_id == enterprise_id, CompanyPrefix.prefix.in_(candidates)
        )
    )
