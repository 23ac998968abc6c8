"""GTIN, GLN and SSCC on their own, against python-stdnum/biip labels and GS1 engine output."""

from __future__ import annotations

from typing import Any

import pytest

from registry.gs1 import (
    GS1Error,
    gs1_check_digit,
    gs1_issuer,
    has_valid_check_digit,
    normalize_gtin,
    parse_digital_link,
    parse_gln,
    parse_gtin,
    parse_sscc,
)
from tests.testdata import load_json

GTIN_CASES: list[dict[str, Any]] = load_json("vectors", "identifier-cases.json")["gtins"]
DL_CASES: list[dict[str, Any]] = load_json("vectors", "digital-link-cases.json")["cases"]


def _keys_from_valid_links(ai: str) -> list[str]:
    values = []
    for case in DL_CASES:
        if case["valid"]:
            code, value = parse_digital_link(case["uri"]).primary
            if code == ai:
                values.append(value)
    return values


SSCCS = _keys_from_valid_links("00")
GLNS = _keys_from_valid_links("414")


@pytest.mark.parametrize("case", GTIN_CASES, ids=lambda c: str(c["value"]))
def test_gtin_case_agrees_with_file(case: dict[str, Any]) -> None:
    value: str = case["value"]
    if case["valid"]:
        gtin = parse_gtin(value)
        assert gtin.gtin14 == case["gtin14"]
        assert normalize_gtin(value) == case["gtin14"]
        assert gtin.length_kind == len(value)
        assert gtin.gtin13 == (case["gtin14"][1:] if case["gtin14"][0] == "0" else None)
    else:
        with pytest.raises(GS1Error) as caught:
            parse_gtin(value)
        assert caught.value.ai == "01"
        assert "check digit" in caught.value.message_en or "digits" in caught.value.message_en


# The organisations gs1_issuer names: GS1 Vietnam and the restricted-circulation ranges.
ISSUERS_WE_NAME = {
    "GS1 Vietnam",
    "Used to issue GS1 Restricted Circulation Numbers within a company",
    "Used to issue Restricted Circulation Numbers within a geographic region (MO defined)",
}


@pytest.mark.parametrize("case", [c for c in GTIN_CASES if c["valid"]], ids=lambda c: c["value"])
def test_issuer_agrees_with_biip(case: dict[str, Any]) -> None:
    ours = gs1_issuer(case["gtin14"])
    if case["gtin14"].startswith("000000"):
        assert ours is None, "GTIN-8 prefixes are a list of their own, not known here"
    elif ours is None:
        # Outside our short list: biip must name an organisation we do not.
        assert case["issuer"] is not None
        assert case["issuer"] not in ISSUERS_WE_NAME
    else:
        assert ours == case["issuer"]


def test_issuer_covers_every_vietnamese_case() -> None:
    vietnamese = [c for c in GTIN_CASES if c["issuer"] == "GS1 Vietnam"]
    assert len(vietnamese) >= 10
    assert all(gs1_issuer(c["gtin14"]) == "GS1 Vietnam" for c in vietnamese)


def test_check_digit_agrees_with_validity_labels() -> None:
    for case in GTIN_CASES:
        assert has_valid_check_digit(case["value"]) == case["valid"], case


@pytest.mark.parametrize("sscc", SSCCS)
def test_sscc_from_engine_output_parses_and_a_wrong_digit_is_named(sscc: str) -> None:
    assert parse_sscc(sscc) == sscc
    wrong = sscc[:-1] + str((int(sscc[-1]) + 1) % 10)
    with pytest.raises(GS1Error) as caught:
        parse_sscc(wrong)
    assert caught.value.ai == "00"
    assert caught.value.message_en.endswith(f"expected {sscc[-1]}")
    assert caught.value.message_vi.endswith(f"phải là {sscc[-1]}")
    assert caught.value.position == len(sscc) - 1


@pytest.mark.parametrize("gln", GLNS)
def test_gln_from_engine_output_parses(gln: str) -> None:
    assert parse_gln(gln) == gln
    assert gs1_check_digit(gln[:-1]) == gln[-1]
    with pytest.raises(GS1Error) as caught:
        parse_gln(gln[:-1])
    assert caught.value.ai == "414"


def test_found_keys_in_the_vectors() -> None:
    assert len(SSCCS) >= 5
    assert len(GLNS) >= 5


@pytest.mark.parametrize("value", ["", "89320014822A5", "893 2001482245", "123456789"])
def test_malformed_gtins_are_rejected(value: str) -> None:
    with pytest.raises(GS1Error) as caught:
        parse_gtin(value)
    assert caught.value.ai == "01"


def test_check_digit_needs_digits() -> None:
    with pytest.raises(ValueError):
        gs1_check_digit("12a")
