"""Quantities as people in Viet Nam type them: "." between thousands, "," before decimals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from registry.errors import InvalidInput
from registry.text import parse_quantity


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("1.200", Decimal(1200)),
        ("1.200,5", Decimal("1200.5")),
        ("1.200.000", Decimal(1200000)),
        ("12.345,678", Decimal("12345.678")),
        ("1,5", Decimal("1.5")),
        ("1200.5", Decimal("1200.5")),
        ("0.125", Decimal("0.125")),
        ("1 200", Decimal(1200)),
        ("120", Decimal(120)),
    ],
)
def test_vietnamese_and_unambiguous_quantities(typed: str, meant: Decimal) -> None:
    assert parse_quantity(typed) == meant


def test_an_empty_quantity_is_none() -> None:
    assert parse_quantity("  ") is None


@pytest.mark.parametrize("typed", ["1,200.5", "1.20.000", "1,2,3", "1.200,", ",5", "12.34.5"])
def test_ambiguous_quantities_are_refused_with_an_example(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_quantity(typed, field="output_quantity")
    assert refused.value.field == "output_quantity"
    assert "1.200,5" in refused.value.message_vi and "1.200,5" in refused.value.message_en


@pytest.mark.parametrize("typed", ["abc", "-5", "1e3", "5 kg"])
def test_what_is_not_a_number_says_so(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_quantity(typed)
    assert refused.value.message_vi.startswith("Số lượng phải là một số")
