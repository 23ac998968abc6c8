"""Vietnamese administrative units as data: current ones and the ones they replaced.

On 1 July 2025 the provinces were merged (Tiền Giang and the old Đồng Tháp became
Đồng Tháp, GSO code 82) and the district level was abolished: a province now holds
wards, communes and special zones directly. Superseded units stay in the data with
their successors, so an address written before the reform still resolves.

Codes are GSO codes (2 digits for a province, 3 for a district, 5 for a ward). GSO
reuses codes — the new Đồng Tháp has Tiền Giang's 82, and every new ward took the
code of one of the wards merged into it — so a superseded unit's key is its GSO code
followed by "@" and the day it ended: "82@2025-07-01" is the old Tiền Giang.

`valid_from` is the first day a unit existed (None when older than this data);
`valid_until` is the first day it no longer existed (None while it exists).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files

from registry.vn.errors import VNRuleError
from registry.vn.text import fold_vietnamese

# The current Đồng Tháp (Resolution 202/2025/QH15, in force 1 July 2025).
PROVINCE_CODE = "82"

REFORM_2025_ON = date(2025, 7, 1)

# Vietnamese type word written before a unit's name, by level.
_TITLE_BY_LEVEL = {
    "province": "Tỉnh",
    "municipality": "Thành phố",
    "district": "Huyện",
    "urban_district": "Quận",
    "provincial_city": "Thành phố",
    "town": "Thị xã",
    "ward": "Phường",
    "commune": "Xã",
    "township": "Thị trấn",
    "special_zone": "Đặc khu",
}
_TIER_BY_LEVEL = {
    "province": 1,
    "municipality": 1,
    "district": 2,
    "urban_district": 2,
    "provincial_city": 2,
    "town": 2,
    "ward": 3,
    "commune": 3,
    "township": 3,
    "special_zone": 3,
}


@dataclass(frozen=True)
class AdminUnit:
    code: str
    name: str
    level: str
    parent_code: str | None
    valid_from: date | None
    valid_until: date | None
    successor_codes: tuple[str, ...]

    @property
    def gso_code(self) -> str:
        return self.code.partition("@")[0]

    @property
    def full_name(self) -> str:
        """The name as written in an address: "Xã Vĩnh Kim", "Tỉnh Đồng Tháp"."""
        return f"{_TITLE_BY_LEVEL[self.level]} {self.name}"

    @property
    def tier(self) -> int:
        """1 for a province, 2 for a (superseded) district, 3 for a ward or commune."""
        return _TIER_BY_LEVEL[self.level]

    def is_valid_on(self, day: date) -> bool:
        started = self.valid_from is None or self.valid_from <= day
        return started and (self.valid_until is None or day < self.valid_until)

    @property
    def is_current(self) -> bool:
        return self.is_valid_on(date.today())


def _optional_date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@cache
def _units_by_code() -> dict[str, AdminUnit]:
    raw = json.loads(files("registry.vn.data").joinpath("admin_units.json").read_text("utf-8"))
    units = (
        AdminUnit(
            code=row["code"],
            name=row["name"],
            level=row["level"],
            parent_code=row["parent"],
            valid_from=_optional_date(row["from"]),
            valid_until=_optional_date(row["until"]),
            successor_codes=tuple(row["successors"]),
        )
        for row in raw["units"]
    )
    return {unit.code: unit for unit in units}


@cache
def _folded_names() -> dict[str, tuple[str, str]]:
    return {
        code: (fold_vietnamese(unit.name), fold_vietnamese(unit.full_name))
        for code, unit in _units_by_code().items()
    }


def load_admin_units() -> list[AdminUnit]:
    """Every unit in the data, current and superseded (read once, then cached)."""
    return list(_units_by_code().values())


def _unknown(code: str) -> VNRuleError:
    return VNRuleError(
        reason="admin_unit.unknown",
        field="admin_unit",
        message_vi=f"Không có đơn vị hành chính mã {code!r} trong danh mục.",
        message_en=f"No administrative unit with code {code!r} is known.",
    )


def get_admin_unit(code: str) -> AdminUnit:
    """The unit with this key; a plain GSO code names a current unit."""
    try:
        return _units_by_code()[code.strip()]
    except KeyError:
        raise _unknown(code) from None


def unit_for_gso_code(gso_code: str, *, on: date) -> AdminUnit:
    """The unit that held GSO code `gso_code` on day `on` (for records that kept only the code)."""
    wanted = gso_code.strip()
    for unit in _units_by_code().values():
        if unit.gso_code == wanted and unit.is_valid_on(on):
            return unit
    raise _unknown(f"{wanted} ({on.isoformat()})")


def current_successors(code: str, on: date | None = None) -> list[AdminUnit]:
    """The units valid on `on` (default today) that now cover unit `code`'s territory.

    A unit still valid that day is its own answer; a superseded one is followed through
    its successors, as many steps as it takes. A unit split in parts has several.
    """
    day = on or date.today()
    units = _units_by_code()
    found: list[AdminUnit] = []
    pending = [get_admin_unit(code)]
    seen: set[str] = set()
    while pending:
        unit = pending.pop(0)
        if unit.code in seen:
            continue
        seen.add(unit.code)
        if unit.is_valid_on(day):
            found.append(unit)
        elif unit.valid_until is not None and unit.valid_until <= day:
            pending.extend(units[successor] for successor in unit.successor_codes)
    return found


def children_of(code: str, *, on: date | None = None) -> list[AdminUnit]:
    """The units directly under `code` that are valid on `on` (default today), by name."""
    parent = get_admin_unit(code)
    day = on or date.today()
    children = (
        unit
        for unit in _units_by_code().values()
        if unit.parent_code == parent.code and unit.is_valid_on(day)
    )
    return sorted(children, key=lambda unit: (unit.level, fold_vietnamese(unit.name)))


def ancestry(code: str) -> list[AdminUnit]:
    """The unit and the units above it, innermost first."""
    chain = [get_admin_unit(code)]
    while chain[-1].parent_code is not None:
        chain.append(get_admin_unit(chain[-1].parent_code))
    return chain


def address_of(code: str) -> str:
    """The address line of a unit: "Xã Vĩnh Kim, Tỉnh Đồng Tháp"."""
    return ", ".join(unit.full_name for unit in ancestry(code))


def _match_rank(query: str, folded_query: str, unit: AdminUnit) -> int | None:
    """0 = same name, 1 = same name without accents, 2 = name starts so, 3 = every word
    of the query starts a word of the name; None = no match."""
    if query.casefold() in (unit.name.casefold(), unit.full_name.casefold()):
        return 0
    folded_name, folded_full_name = _folded_names()[unit.code]
    if folded_query in (folded_name, folded_full_name):
        return 1
    if folded_name.startswith(folded_query) or folded_full_name.startswith(folded_query):
        return 2
    words = folded_full_name.split()
    if all(any(word.startswith(part) for word in words) for part in folded_query.split()):
        return 3
    return None


def search_admin_units(
    query: str, *, current_only: bool = True, limit: int = 20
) -> list[AdminUnit]:
    """Units whose name matches `query`, accents and case ignored ("cai be" finds "Cái Bè").

    Best matches first; current units before superseded ones, provinces before wards.
    """
    folded_query = fold_vietnamese(query)
    if not folded_query:
        return []
    today = date.today()
    ranked: list[tuple[tuple[int, bool, int, str], AdminUnit]] = []
    for unit in _units_by_code().values():
        current = unit.is_valid_on(today)
        if current_only and not current:
            continue
        rank = _match_rank(query.strip(), folded_query, unit)
        if rank is not None:
            ranked.append(((rank, not current, unit.tier, _folded_names()[unit.code][1]), unit))
    ranked.sort(key=lambda pair: pair[0])
    return [unit for _, unit in ranked[:limit]]


def province_gso_codes() -> frozenset[str]:
    """GSO codes of every province in the data, current or superseded."""
    return frozenset(unit.gso_code for unit in _units_by_code().values() if unit.tier == 1)
