"""Administrative units: the data against vietnam-provinces, and old addresses resolving."""

from __future__ import annotations

from datetime import date

import pytest
import vietnam_provinces
from vietnam_provinces import Province, Ward

from registry.vn import (
    PROVINCE_CODE,
    REFORM_2025_ON,
    AdminUnit,
    VNRuleError,
    address_of,
    ancestry,
    children_of,
    current_successors,
    get_admin_unit,
    load_admin_units,
    search_admin_units,
    unit_for_gso_code,
)

BEFORE = date(2024, 12, 31)
AFTER = date(2025, 8, 1)


def superseded() -> list[AdminUnit]:
    return [unit for unit in load_admin_units() if unit.valid_until is not None]


def legacy_unit(name: str, level: str, parent_name: str) -> AdminUnit:
    (unit,) = [
        unit
        for unit in superseded()
        if unit.name == name
        and unit.level == level
        and unit.parent_code is not None
        and get_admin_unit(unit.parent_code).name == parent_name
    ]
    return unit


def test_current_provinces_match_the_installed_package() -> None:
    ours = {u.code: u.full_name for u in load_admin_units() if u.tier == 1 and u.is_valid_on(AFTER)}
    theirs = {f"{int(p.code):02d}": p.name for p in Province.iter_all()}
    assert ours.keys() == theirs.keys()
    for code, name in theirs.items():
        # The package writes "Đồng Tháp" for a province and "Thành phố Hà Nội" for a city.
        assert ours[code].endswith(name.removeprefix("Tỉnh ")), code


def test_current_dong_thap_wards_match_the_installed_package() -> None:
    theirs = {
        f"{int(w.code):05d}": (w.name, str(w.division_type.value))
        for w in Ward.iter_by_province(vietnam_provinces.ProvinceCode(int(PROVINCE_CODE)))
    }
    ours = {u.code: u for u in children_of(PROVINCE_CODE, on=AFTER)}
    assert len(theirs) == 102
    assert ours.keys() == theirs.keys()
    level_of = {"phường": "ward", "xã": "commune", "đặc khu": "special_zone"}
    for code, (name, division_type) in theirs.items():
        assert ours[code].full_name == name
        assert ours[code].level == level_of[division_type]


def test_province_code_is_the_new_dong_thap() -> None:
    province = get_admin_unit(PROVINCE_CODE)
    assert province.full_name == "Tỉnh Đồng Tháp"
    assert province.valid_from == REFORM_2025_ON
    assert province.is_current


def test_every_reference_resolves_and_hierarchies_are_sound() -> None:
    units = {unit.code: unit for unit in load_admin_units()}
    for unit in units.values():
        for ref in [unit.parent_code, *unit.successor_codes]:
            assert ref is None or ref in units, (unit.code, ref)
        if unit.parent_code is not None:
            parent = units[unit.parent_code]
            assert parent.tier < unit.tier
            assert (parent.valid_until is None) == (unit.valid_until is None)
        assert [a.tier for a in ancestry(unit.code)] == sorted(
            (a.tier for a in ancestry(unit.code)), reverse=True
        )


def test_every_superseded_unit_reaches_current_units() -> None:
    for unit in superseded():
        assert unit.valid_until == REFORM_2025_ON
        assert unit.code == f"{unit.gso_code}@2025-07-01"
        successors = current_successors(unit.code, on=AFTER)
        assert successors, unit.code
        # Provinces map to provinces; wards and the abolished districts to wards.
        expected_tier = 1 if unit.tier == 1 else 3
        assert all(s.is_valid_on(AFTER) and s.tier == expected_tier for s in successors)


def test_every_current_ward_of_dong_thap_came_from_old_wards() -> None:
    reached = {
        s.code
        for unit in superseded()
        if unit.tier == 3
        for s in current_successors(unit.code, on=AFTER)
    }
    assert {u.code for u in children_of(PROVINCE_CODE, on=AFTER)} <= reached


def test_tien_giang_and_old_dong_thap_became_dong_thap() -> None:
    # Resolution 202/2025/QH15: Tiền Giang and Đồng Tháp merge into Đồng Tháp.
    old = {u.name: u for u in superseded() if u.tier == 1}
    assert {"Tiền Giang", "Đồng Tháp"} <= old.keys()
    assert len(old) == 63
    for name in ("Tiền Giang", "Đồng Tháp"):
        assert [u.code for u in current_successors(old[name].code, on=AFTER)] == [PROVINCE_CODE]


@pytest.mark.parametrize(
    ("name", "level", "parent", "successor_name"),
    [
        ("Vĩnh Kim", "commune", "Châu Thành", "Xã Vĩnh Kim"),
        ("Cái Bè", "township", "Cái Bè", "Xã Cái Bè"),
        ("Mỹ Tho", "provincial_city", "Tiền Giang", "Phường Mỹ Tho"),
        ("Gò Công", "provincial_city", "Tiền Giang", "Phường Gò Công"),
        ("Cao Lãnh", "provincial_city", "Đồng Tháp", "Phường Cao Lãnh"),
        ("Sa Đéc", "provincial_city", "Đồng Tháp", "Phường Sa Đéc"),
    ],
)
def test_demo_places_resolve_to_their_current_unit(
    name: str, level: str, parent: str, successor_name: str
) -> None:
    old = legacy_unit(name, level, parent)
    successors = current_successors(old.code, on=AFTER)
    assert successor_name in {s.full_name for s in successors}
    assert all(s.parent_code == PROVINCE_CODE for s in successors)


def test_old_vinh_kim_address_reads_in_both_eras() -> None:
    old = legacy_unit("Vĩnh Kim", "commune", "Châu Thành")
    assert address_of(old.code) == "Xã Vĩnh Kim, Huyện Châu Thành, Tỉnh Tiền Giang"
    (new,) = current_successors(old.code, on=AFTER)
    assert address_of(new.code) == "Xã Vĩnh Kim, Tỉnh Đồng Tháp"


def test_a_unit_valid_that_day_is_its_own_successor() -> None:
    old = legacy_unit("Vĩnh Kim", "commune", "Châu Thành")
    assert current_successors(old.code, on=BEFORE) == [old]
    assert current_successors(PROVINCE_CODE, on=AFTER) == [get_admin_unit(PROVINCE_CODE)]


def test_reused_gso_code_resolves_by_date() -> None:
    # Phường Mỹ Tho took the GSO code of one of the wards merged into it.
    new = search_admin_units("Phường Mỹ Tho")[0]
    old = unit_for_gso_code(new.gso_code, on=BEFORE)
    assert unit_for_gso_code(new.gso_code, on=AFTER) == new
    assert old != new and old.valid_until == REFORM_2025_ON
    assert new in current_successors(old.code, on=AFTER)
    assert unit_for_gso_code("82", on=BEFORE).name == "Tiền Giang"


def test_split_ward_has_several_successors() -> None:
    split = [u for u in superseded() if u.tier == 3 and len(u.successor_codes) > 1]
    assert split
    for unit in split:
        assert len(current_successors(unit.code, on=AFTER)) == len(unit.successor_codes)


def test_unknown_code_is_a_rule_error() -> None:
    with pytest.raises(VNRuleError) as raised:
        get_admin_unit("99999")
    assert raised.value.reason == "admin_unit.unknown"
    assert "đơn vị hành chính" in raised.value.message_vi
    with pytest.raises(VNRuleError):
        unit_for_gso_code("99999", on=AFTER)
    with pytest.raises(VNRuleError):
        current_successors("819")  # Cái Bè district's code alone names no current unit


@pytest.mark.parametrize("query", ["cai be", "Cái Bè", "CAI BE", "  cái   bè ", "xa cai be", "Cái"])
def test_search_ignores_accents_and_case(query: str) -> None:
    found = search_admin_units(query)
    assert "Xã Cái Bè" in [u.full_name for u in found]
    assert all(u.is_current for u in found)


def test_search_includes_superseded_units_on_request() -> None:
    found = {(u.full_name, u.is_current) for u in search_admin_units("cai be", current_only=False)}
    assert {("Xã Cái Bè", True), ("Huyện Cái Bè", False), ("Thị trấn Cái Bè", False)} <= found
    assert search_admin_units("tien giang") == []
    assert search_admin_units("tien giang", current_only=False)[0].full_name == "Tỉnh Tiền Giang"


def test_search_ranks_exact_spelling_first() -> None:
    # "Mỹ Tho" (ward) and "Mỹ Thọ" (commune) fold to the same letters.
    assert search_admin_units("Mỹ Tho")[0].full_name == "Phường Mỹ Tho"
    assert search_admin_units("Mỹ Thọ")[0].full_name == "Xã Mỹ Thọ"
    assert search_admin_units("dong thap")[0].code == PROVINCE_CODE


def test_search_limit_and_empty_query() -> None:
    assert len(search_admin_units("phuong", limit=5)) == 5
    assert search_admin_units("   ") == []
