from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from registry.actor import not_found
from registry.places.models import AdminUnit
from registry.places.schemas import AdminUnitOut
from registry.places.service import list_admin_units
from registry.schemas import PageOut
from service.api.common import PageNumber, PerPage, page_out
from service.deps import SessionDep

router = APIRouter(prefix="/admin-units", tags=["administrative units"])


@router.get("", response_model=PageOut[AdminUnitOut])
def admin_units(
    session: SessionDep,
    q: str | None = None,
    parent_code: str | None = None,
    current_only: bool = True,
    page: PageNumber = 1,
    per_page: PerPage = 100,
) -> dict[str, Any]:
    """Provinces, wards and communes; `q` matches without diacritics ("cai be")."""
    result = list_admin_units(
        session,
        query=q,
        parent_code=parent_code,
        current_only=current_only,
        page=page,
        per_page=per_page,
    )
    return page_out(result, AdminUnitOut)


@router.get("/{code}", response_model=AdminUnitOut)
def admin_unit(code: str, session: SessionDep) -> Any:
    unit = session.get(AdminUnit, code)
    if unit is None:
        raise not_found(("đơn vị hành chính", "administrative unit"))
    return unit
