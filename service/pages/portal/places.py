"""The ward/commune choice shared by the sign-up and location forms."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from registry.places.models import AdminUnit
from registry.places.service import PROVINCE_LEVEL, list_admin_units
from registry.vn import PROVINCE_CODE, vietnamese_sort_key

UNIT_LEVEL_NAMES = {"ward": "Phường", "commune": "Xã", "township": "Thị trấn"}


@dataclass(frozen=True)
class WardGroup:
    label: str
    units: list[AdminUnit]


def ward_groups(session: Session, *, query: str | None, selected: str | None) -> list[WardGroup]:
    """Current wards and communes of the province (or matching `query`), grouped by level,
    each group in Vietnamese alphabetical order.

    The selected unit always stays in the list, so a search never drops the user's choice.
    """
    if query and query.strip():
        units = list_admin_units(session, query=query, per_page=200).items
    else:
        units = list_admin_units(session, parent_code=PROVINCE_CODE, per_page=200).items
    units = [unit for unit in units if unit.level != PROVINCE_LEVEL and unit.parent_code]
    if selected and all(unit.code != selected for unit in units):
        chosen = session.get(AdminUnit, selected)
        if chosen is not None:
            units.insert(0, chosen)
    groups: dict[str, list[AdminUnit]] = {name: [] for name in UNIT_LEVEL_NAMES.values()}
    for unit in sorted(units, key=lambda u: vietnamese_sort_key(u.name)):
        groups.setdefault(UNIT_LEVEL_NAMES.get(unit.level, unit.level), []).append(unit)
    return [WardGroup(label, members) for label, members in groups.items() if members]
