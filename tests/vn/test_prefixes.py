"""GS1 Vietnam company prefixes, checked against biip's copy of GS1's prefix table."""

from __future__ import annotations

import pytest
from biip.gs1_prefixes import GS1CompanyPrefix
from hypothesis import given
from hypothesis import strategies as st

from registry.vn import (
    VIETNAM_PREFIX_RULES,
    PrefixRule,
    VNRuleError,
    company_prefix_length,
    gln_capacity,
    prefix_capacity,
    validate_company_prefix,
)


def biip_prefix_length(gtin13: str) -> int | None:
    found = GS1CompanyPrefix.extract(gtin13)
    return len(found.value) if found else None


@pytest.mark.parametrize("rule", VIETNAM_PREFIX_RULES, ids=lambda rule: rule.prefix_start)
def test_every_rule_agrees_with_biip(rule: PrefixRule) -> None:
    for filler in "0", "5", "9":
        gtin13 = (rule.prefix_start + filler * 13)[:13]
        assert company_prefix_length(gtin13) == biip_prefix_length(gtin13) == rule.length


@given(st.text("0123456789", min_size=10, max_size=10))
def test_any_893_key_agrees_with_biip(rest: str) -> None:
    gtin13 = "893" + rest
    assert company_prefix_length(gtin13) == biip_prefix_length(gtin13)


def test_design_table_lengths() -> None:
    # DESIGN.md §2, longest match wins.
    expected = {
        "8934": 7, "8932001": 7, "8935": 8, "89360": 9, "89361": 9, "89362": 9, "89380": 9,
        "8931": 10, "89364": 10, "89385": 10, "89386": 10, "89389": 10,
    }  # fmt: skip
    for start, length in expected.items():
        assert company_prefix_length(start + "0" * (13 - len(start))) == length
    assert company_prefix_length("8932002000000") is None
    assert company_prefix_length("8930000000000") is None
    assert company_prefix_length("4006381333931") is None


def test_gtin14_skips_the_indicator_digit() -> None:
    assert company_prefix_length("18934567000011") == 7
    assert company_prefix_length("08935000000000") == 8


@pytest.mark.parametrize(
    ("prefix", "capacity"),
    [("8934567", 100_000), ("89350001", 10_000), ("893600001", 1_000), ("8931234567", 100)],
)
def test_valid_prefixes_and_their_capacity(prefix: str, capacity: int) -> None:
    assert validate_company_prefix(f" {prefix} ") == prefix
    assert prefix_capacity(prefix) == capacity == 10 ** (12 - len(prefix))
    assert gln_capacity(prefix) == capacity


def test_unknown_893_range_takes_any_issued_length() -> None:
    for prefix in ("8930123", "89370123", "893301234", "8937012345"):
        assert validate_company_prefix(prefix) == prefix


@pytest.mark.parametrize(
    ("prefix", "reason"),
    [
        ("", "company_prefix.not_digits"),
        ("8934a67", "company_prefix.not_digits"),
        ("0212345", "company_prefix.restricted"),
        ("0291234567", "company_prefix.restricted"),
        ("2001234", "company_prefix.restricted"),
        ("2999999999", "company_prefix.restricted"),
        ("8851234", "company_prefix.not_vietnam"),
        ("893123", "company_prefix.length"),
        ("89312345678", "company_prefix.length"),
        ("89345678", "company_prefix.range_length"),  # 8934 ranges are 7 digits
        ("893123456", "company_prefix.range_length"),  # 8931 ranges are 10 digits
        ("8935123", "company_prefix.range_length"),
        ("8939123456", "company_prefix.individual_gtins"),
        ("8932800", "company_prefix.individual_gtins"),
        ("8932000", "company_prefix.range_overlap"),  # would swallow 89320000 (9 digits)
    ],
)
def test_refused_prefixes_say_why(prefix: str, reason: str) -> None:
    with pytest.raises(VNRuleError) as raised:
        validate_company_prefix(prefix)
    assert raised.value.reason == reason
    assert raised.value.field == "company_prefix"
    assert raised.value.message_vi and raised.value.message_en
    with pytest.raises(VNRuleError):
        prefix_capacity(prefix)


def test_restricted_ranges_are_refused_for_every_start() -> None:
    for start in [f"{n:03d}" for n in range(20, 30)] + [str(n) for n in range(200, 300)]:
        with pytest.raises(VNRuleError) as raised:
            validate_company_prefix(start.ljust(7, "1"))
        assert raised.value.reason == "company_prefix.restricted"
