"""Element strings: the engine's parenthesised output, raw scanner data, biip as a second reader."""

from __future__ import annotations

from typing import Any

import biip
import pytest

from registry.gs1 import (
    GS,
    GS1Error,
    digital_link_from_element_string,
    format_bracketed,
    format_parenthesised,
    format_raw,
    parse_digital_link,
    parse_element_string,
)
from tests.testdata import load_json

CASES: list[dict[str, Any]] = load_json("vectors", "digital-link-cases.json")["cases"]
VALID = [c for c in CASES if c["valid"]]


def _id(case: dict[str, Any]) -> str:
    return str(case["element_string"])[:50]


@pytest.mark.parametrize("case", VALID, ids=_id)
def test_engine_element_string_parses_to_the_link_elements(case: dict[str, Any]) -> None:
    elements = parse_element_string(case["element_string"])
    assert elements == parse_digital_link(case["uri"]).elements()
    assert format_parenthesised(elements) == case["element_string"]


@pytest.mark.parametrize("case", VALID, ids=_id)
def test_element_string_to_canonical_link(case: dict[str, Any]) -> None:
    canonical = digital_link_from_element_string("https://id.gs1.org", case["element_string"])
    assert canonical == case["canonical"]


@pytest.mark.parametrize("case", VALID, ids=_id)
@pytest.mark.parametrize("prefix", ["", GS, "]d2", "]Q3", "]C1" + GS])
def test_raw_form_round_trips_and_biip_reads_the_same(case: dict[str, Any], prefix: str) -> None:
    elements = parse_element_string(case["element_string"])
    raw = format_raw(elements)
    assert parse_element_string(prefix + raw) == elements
    theirs = biip.parse("]d2" + raw).gs1_message
    assert theirs is not None
    assert [(e.ai.ai, e.value) for e in theirs.element_strings] == elements


@pytest.mark.parametrize("case", VALID, ids=_id)
def test_bracketed_form_round_trips(case: dict[str, Any]) -> None:
    elements = parse_element_string(case["element_string"])
    assert parse_element_string(format_bracketed(elements)) == elements


def test_separator_only_after_variable_length_values_not_last() -> None:
    raw = format_raw([("01", "08932001482245"), ("10", "AB"), ("17", "250101"), ("21", "X")])
    assert raw == "0108932001482245" + "10AB" + GS + "17250101" + "21X"
    assert format_raw([("10", "AB")], separator="^") == "10AB"


@pytest.mark.parametrize(
    ("text", "ai"),
    [
        ("(01)08932001482240", "01"),
        ("0108932001482240", "01"),
        ("(01)08932001482245(17)251301", "17"),
        ("(01)08932001482245(10)LÔ1", "10"),
        ("(01)08932001482245(21)" + "x" * 21, "21"),
        ("(01)08932001482245(10)A(10)B", "10"),
        ("(17)250101", "17"),
        ("(01)08932001482245(21)A(235)B", "21"),
        ("(999)1", "999"),
    ],
)
def test_errors_name_the_ai(text: str, ai: str) -> None:
    with pytest.raises(GS1Error) as caught:
        parse_element_string(text)
    assert ai in [p.ai for p in caught.value.problems], caught.value.problems


def test_error_position_points_into_the_input() -> None:
    text = "0108932001482245" + "10AB" + GS + "17251301"
    with pytest.raises(GS1Error) as caught:
        parse_element_string(text)
    position = caught.value.position
    assert position is not None
    assert text[position : position + 2] == "13"


@pytest.mark.parametrize("text", ["", "]E0" + "8932001482245", "99", "(01"])
def test_malformed_input_is_a_gs1_error(text: str) -> None:
    with pytest.raises(GS1Error):
        parse_element_string(text)


def test_escaped_parenthesis_in_value() -> None:
    elements = parse_element_string(r"(01)08932001482245(10)A\(B)C")
    assert elements == [("01", "08932001482245"), ("10", "A(B)C")]
    assert format_parenthesised(elements) == r"(01)08932001482245(10)A\(B)C"
