"""The AI table, against biip's copy of GS1's AI list, and value validation."""

from __future__ import annotations

import ast
import calendar
import re
import sys
from pathlib import Path

import pytest
from biip.gs1_application_identifiers import _GS1_APPLICATION_IDENTIFIERS as BIIP_AIS

from registry.gs1 import (
    AI_TABLE,
    GS1Error,
    ascii_suggestion,
    gs1_check_character_pair,
    lookup_ai,
    validate_ai_value,
)

REQUIRED = [
    "00", "01", "02", "10", "11", "13", "15", "17", "21", "22", "235", "254", "30",
    "3100", "3101", "3102", "3103", "3104", "3105", "37", "400", "410", "411", "412",
    "413", "414", "415", "416", "417", "7003", "7040", "8003", "8004", "8006", "8008",
    "8010", "8011", "8013", "8017", "8018", "8019", "8020", "8200",
]  # fmt: skip
PRIMARY_KEYS = {
    "00", "01", "253", "255", "401", "402", "414", "415", "417",
    "8003", "8004", "8006", "8010", "8013", "8017", "8018",
}  # fmt: skip
_SIMPLE_FORMAT = re.compile(r"^([NXYZ])(\.\.)?(\d+)$")


def test_required_ais_are_present() -> None:
    assert [code for code in REQUIRED if code not in AI_TABLE] == []


def test_every_gs1_ai_known_to_biip_is_in_the_table() -> None:
    assert sorted(set(BIIP_AIS) - set(AI_TABLE)) == []


@pytest.mark.parametrize("code", sorted(set(BIIP_AIS) & set(AI_TABLE)))
def test_format_and_separator_agree_with_biip(code: str) -> None:
    theirs = BIIP_AIS[code]
    ours = AI_TABLE[code]
    assert theirs.separator_required is not ours.fixed_length
    match = _SIMPLE_FORMAT.match(theirs.format.split("+", 1)[1])
    if match:
        charset, variable, length = match.groups()
        expected = (charset, 1 if variable else int(length), int(length))
        assert (ours.charset, ours.min_length, ours.max_length) == expected


def test_codes_are_prefix_free() -> None:
    codes = list(AI_TABLE)
    assert [(a, b) for a in codes for b in codes if a != b and b.startswith(a)] == []


def test_digital_link_roles() -> None:
    primaries = {code for code, entry in AI_TABLE.items() if entry.dl_role == "primary"}
    assert primaries == PRIMARY_KEYS
    assert AI_TABLE["01"].qualifier_sequences == (("22", "10", "21"), ("235",))
    assert AI_TABLE["414"].qualifier_sequences == (("254",), ("7040",))
    for qualifier in ("22", "10", "21", "235", "254", "7040", "8011"):
        assert AI_TABLE[qualifier].dl_role == "qualifier"
    for attribute in ("11", "15", "17", "3103", "30", "400"):
        assert AI_TABLE[attribute].dl_role == "attribute"


def test_measures_carry_decimals() -> None:
    for code in ("3100", "3103", "3105", "3205", "3692", "3922"):
        assert AI_TABLE[code].decimals == int(code[3])
    assert AI_TABLE["01"].decimals is None


def test_date_ais() -> None:
    for code in ("11", "13", "15", "16", "17"):
        assert AI_TABLE[code].is_date
    assert AI_TABLE["15"].date_allows_day_00
    assert AI_TABLE["17"].date_allows_day_00
    assert not AI_TABLE["7006"].is_date or not AI_TABLE["7006"].date_allows_day_00


@pytest.mark.parametrize("month", range(1, 13))
def test_expiry_dates_follow_the_calendar(month: int) -> None:
    year = 2028  # a leap year, written YY=28
    last = calendar.monthrange(year, month)[1]
    validate_ai_value("17", f"28{month:02d}{last:02d}")
    validate_ai_value("17", f"28{month:02d}00")
    with pytest.raises(GS1Error) as caught:
        validate_ai_value("17", f"28{month:02d}{last + 1:02d}")
    assert caught.value.ai == "17"
    with pytest.raises(GS1Error):
        validate_ai_value("7006", f"28{month:02d}00")


def test_february_29_only_in_leap_years() -> None:
    validate_ai_value("11", "280229")
    with pytest.raises(GS1Error):
        validate_ai_value("11", "270229")


@pytest.mark.parametrize("value", ["251300", "250000"])
def test_bad_months_are_named(value: str) -> None:
    with pytest.raises(GS1Error) as caught:
        validate_ai_value("15", value)
    assert caught.value.ai == "15"
    assert "tháng" in caught.value.message_vi


def test_wrong_check_digit_message_names_the_expected_digit() -> None:
    with pytest.raises(GS1Error) as caught:
        validate_ai_value("01", "08932001482240")
    assert str(caught.value) == "AI (01): wrong check digit, expected 5"
    assert caught.value.message_vi == "AI (01): chữ số kiểm tra sai, phải là 5"


def test_vietnamese_lot_is_rejected_with_an_ascii_suggestion() -> None:
    with pytest.raises(GS1Error) as caught:
        validate_ai_value("10", "LÔ-Đặc")
    assert caught.value.ai == "10"
    assert "'Ô'" in caught.value.message_vi
    assert "LO-Dac" in caught.value.message_en
    assert ascii_suggestion("Lô hàng số 5") == "Lo-hang-so-5"


@pytest.mark.parametrize(("ai", "value"), [("21", "x" * 21), ("10", ""), ("3103", "12345")])
def test_length_errors_name_the_ai(ai: str, value: str) -> None:
    with pytest.raises(GS1Error) as caught:
        validate_ai_value(ai, value)
    assert caught.value.ai == ai


def test_unknown_ai_is_a_typed_error() -> None:
    with pytest.raises(GS1Error) as caught:
        lookup_ai("999")
    assert caught.value.ai == "999"


def test_gmn_check_pair_from_the_gs1_example() -> None:
    # GS1 General Specifications §7.9.5 worked example of a GMN (AI 8013).
    example = "1987654Ad4X4bL5ttr2310c2K"
    assert gs1_check_character_pair(example[:-2]) == example[-2:]
    validate_ai_value("8013", example)
    with pytest.raises(GS1Error) as caught:
        validate_ai_value("8013", example[:-1] + "3")
    assert caught.value.ai == "8013"


# ISO 3166 country codes change; they come from a maintained list, not a copy of it.
CODE_LISTS = frozenset({"pycountry"})


def test_gs1_package_imports_only_the_standard_library_and_code_lists() -> None:
    package = Path(__file__).resolve().parents[2] / "registry" / "gs1"
    for source in package.glob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                allowed = sys.stdlib_module_names | CODE_LISTS
                assert name.startswith("registry.gs1") or top in allowed, (
                    source.name,
                    name,
                )


@pytest.mark.parametrize(
    ("ai", "value", "valid"),
    [
        ("422", "704", True),
        ("422", "999", False),
        ("426", "000", False),
        ("423", "704250276", True),
        ("423", "704250277", False),
        ("7030", "999ABC", True),
        ("7030", "998ABC", False),
        ("4307", "VN", True),
        ("4307", "XX", False),
        ("4317", "vn", False),
    ],
)
def test_country_ais_take_iso_3166_codes_only(ai: str, value: str, valid: bool) -> None:
    if valid:
        validate_ai_value(ai, value)
    else:
        with pytest.raises(GS1Error) as caught:
            validate_ai_value(ai, value)
        assert caught.value.ai == ai
