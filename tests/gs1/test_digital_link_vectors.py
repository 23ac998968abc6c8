"""Every Digital Link case labelled by GS1's syntax engine gets the engine's verdict."""

from __future__ import annotations

import re
from typing import Any

import pytest

from registry.gs1 import (
    GS1Error,
    has_valid_check_digit,
    parse_digital_link,
    parse_digital_link_lenient,
)
from tests.testdata import load_json

CASES: list[dict[str, Any]] = load_json("vectors", "digital-link-cases.json")["cases"]
VALID = [c for c in CASES if c["valid"]]
INVALID = [c for c in CASES if not c["valid"]]
_ENGINE_AI = re.compile(r"AI \((\d+)\)")


def _id(case: dict[str, Any]) -> str:
    return str(case["made_as"]) + ":" + str(case["uri"])[-40:]


def test_file_has_both_verdicts() -> None:
    assert len(VALID) >= 100
    assert len(INVALID) >= 100


@pytest.mark.parametrize("case", VALID, ids=_id)
def test_valid_case_gives_engine_element_string_and_canonical(case: dict[str, Any]) -> None:
    link = parse_digital_link(case["uri"])
    assert link.element_string() == case["element_string"]
    assert link.canonical() == case["canonical"]
    ignored = [f"{name}={value}" for name, value in link.other_params]
    assert ignored == case["ignored_query_params"]


@pytest.mark.parametrize("case", INVALID, ids=_id)
def test_invalid_case_is_rejected_naming_the_engine_ai(case: dict[str, Any]) -> None:
    with pytest.raises(GS1Error) as caught:
        parse_digital_link(case["uri"])
    error = caught.value
    assert error.problems
    for problem in error.problems:
        assert problem.message_vi and problem.message_en
        assert problem.message_vi != problem.message_en
    named = _ENGINE_AI.search(case["engine_error"])
    if named:
        assert named.group(1) in [p.ai for p in error.problems], str(error)


@pytest.mark.parametrize("case", VALID, ids=_id)
def test_lenient_reading_of_valid_case_changes_nothing(case: dict[str, Any]) -> None:
    result = parse_digital_link_lenient(case["uri"])
    assert result.link == parse_digital_link(case["uri"])
    assert not result.canonical_path_needed


@pytest.mark.parametrize("case", [c for c in INVALID if c["made_as"] == "trailing_slash"], ids=_id)
def test_lenient_trailing_slash_reads_as_the_uri_without_it(case: dict[str, Any]) -> None:
    uri: str = case["uri"]
    result = parse_digital_link_lenient(uri)
    assert result.canonical_path_needed
    assert result.link == parse_digital_link(uri.rstrip("/"))
    assert result.strict_uri == uri.rstrip("/")


@pytest.mark.parametrize("case", [c for c in INVALID if c["made_as"] == "gtin13"], ids=_id)
def test_lenient_gtin13_reads_as_the_padded_gtin14(case: dict[str, Any]) -> None:
    uri: str = case["uri"]
    head, gtin13 = uri.rsplit("/", 1)
    padded_uri = f"{head}/0{gtin13}"
    result = parse_digital_link_lenient(uri)
    assert result.canonical_path_needed
    assert result.link == parse_digital_link(padded_uri)
    assert result.strict_uri == padded_uri
    assert parse_digital_link(uri, lenient=True) == result.link


@pytest.mark.parametrize(
    "case",
    [
        c
        for c in INVALID
        if c["made_as"] not in {"gtin13", "gtin12", "trailing_slash", "mixed_scheme"}
    ],
    ids=_id,
)
def test_lenient_mode_still_rejects_other_faults(case: dict[str, Any]) -> None:
    with pytest.raises(GS1Error):
        parse_digital_link_lenient(case["uri"])


@pytest.mark.parametrize("case", [c for c in INVALID if c["made_as"] == "gtin12"], ids=_id)
def test_lenient_gtin12_is_read_only_with_a_valid_check_digit(case: dict[str, Any]) -> None:
    gtin12 = case["uri"].rsplit("/", 1)[1]
    if has_valid_check_digit(gtin12):
        assert parse_digital_link_lenient(case["uri"]).link.primary == ("01", "00" + gtin12)
    else:
        with pytest.raises(GS1Error) as caught:
            parse_digital_link_lenient(case["uri"])
        assert caught.value.ai == "01"


def test_query_order_does_not_change_validity_but_is_kept() -> None:
    case = next(c for c in VALID if "&11=" in c["uri"] and "linkType" not in c["uri"])
    base, query = case["uri"].split("?")
    swapped = base + "?" + "&".join(reversed(query.split("&")))
    original = parse_digital_link(case["uri"])
    reordered = parse_digital_link(swapped)
    assert set(reordered.attributes) == set(original.attributes)
    assert reordered.attributes == tuple(reversed(original.attributes))


def test_rightmost_primary_key_wins_after_any_stem() -> None:
    case = next(c for c in VALID if c["uri"].startswith("https://tx.example.org/qr/01/"))
    tail = case["uri"].split("/qr", 1)[1]
    stemmed = "https://example.com/00/faux/01/x" + tail
    link = parse_digital_link(stemmed)
    assert link.base == "https://example.com/00/faux/01/x"
    assert link.canonical() == case["canonical"]


@pytest.mark.parametrize("case", VALID, ids=_id)
def test_uri_on_own_base_with_other_params_reproduces_the_input(case: dict[str, Any]) -> None:
    # The file's valid URIs already use the engine's encoding and attribute order.
    link = parse_digital_link(case["uri"])
    assert link.uri(include_other_params=True) == case["uri"]
    assert link.uri("https://id.gs1.org") == case["canonical"]
