"""Administrative units in the database, kept in step with registry.vn's data."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from registry.errors import InvalidInput
from registry.pagination import Page, paginate
from registry.places.models import AdminUnit
from registry.vn import fold_vietnamese, load_admin_units
from registry.vn.text import vietnamese_sort_key

PROVINCE_LEVEL = "province"


def sync_admin_units(session: Session) -> int:
    """Insert or update every unit from the shipped data; returns how many changed."""
    existing = {unit.code: unit for unit in session.scalars(select(AdminUnit))}
    changed = 0
    units = load_admin_units()
    # Parents first, so the self-reference is always satisfied.
    ordered = sorted(units, key=lambda u: (u.parent_code is not None, u.level != PROVINCE_LEVEL))
    for unit in ordered:
        values: dict[str, Any] = {
            "name": unit.name,
            "level": unit.level,
            "parent_code": unit.parent_code,
            "valid_from": unit.valid_from,
            "valid_until": unit.valid_until,
            "successor_codes": list(unit.successor_codes),
            "search_name": fold_vietnamese(unit.full_name),
        }
        row = existing.get(unit.code)
        if row is None:
            session.add(AdminUnit(code=unit.code, **values))
            changed += 1
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            changed += 1
        session.flush()
    return changed


def require_current_ward(session: Session, code: str, *, field: str) -> AdminUnit:
    unit = session.get(AdminUnit, code)
    if unit is None or unit.level == PROVINCE_LEVEL:
        raise InvalidInput(
            f"Không có xã/phường mã '{code}'.",
            f"There is no ward or commune with code '{code}'.",
            field=field,
        )
    if not unit.is_current:
        successors = ", ".join(unit.successor_codes) or "?"
        raise InvalidInput(
            f"{unit.name} không còn là đơn vị hành chính hiện hành; "
            f"hãy chọn đơn vị mới ({successors}).",
            f"{unit.name} is no longer a current unit; choose its successor ({successors}).",
            field=field,
        )
    return unit


def unit_names(session: Session, codes: Collection[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(
        session.execute(
            select(AdminUnit.code, AdminUnit.name).where(AdminUnit.code.in_(codes))
        ).all()
    )


def current_wards(session: Session, *, province_code: str) -> list[tuple[str, str]]:
    """(code, name) of the province's wards as they are today, in Vietnamese
    alphabetical order (Cái Bè, Cao Lãnh, Chợ Gạo; Đ after D)."""
    wards = session.execute(
        select(AdminUnit.code, AdminUnit.name).where(
            AdminUnit.parent_code == province_code, AdminUnit.valid_until.is_(None)
        )
    )
    return sorted(((code, name) for code, name in wards), key=lambda w: vietnamese_sort_key(w[1]))


def current_provinces(session: Session) -> list[AdminUnit]:
    """The provinces and municipalities as they are today, by their folded names."""
    return list(
        session.scalars(
            select(AdminUnit)
            .where(
                AdminUnit.level.in_(("province", "municipality")), AdminUnit.valid_until.is_(None)
            )
            .order_by(AdminUnit.search_name)
        )
    )


def list_admin_units(
    session: Session,
    *,
    query: str | None = None,
    parent_code: str | None = None,
    current_only: bool = True,
    page: int = 1,
    per_page: int = 100,
) -> Page[AdminUnit]:
    statement: Select[Any] = select(AdminUnit).order_by(AdminUnit.code)
    if query:
        statement = statement.where(AdminUnit.search_name.contains(fold_vietnamese(query)))
    if parent_code:
        statement = statement.where(AdminUnit.parent_code == parent_code)
    if current_only:
        statement = statement.where(AdminUnit.valid_until.is_(None))
    return paginate(session, statement, page=page, per_page=per_page)
