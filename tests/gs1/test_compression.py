"""Compressed GS1 Digital Links, checked against an independent implementation:
gs1-compression from PyPI made tests/data/vectors/compressed-digital-links.json in a
throwaway virtual environment (scripts/make_compression_vectors.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from registry.gs1 import GS1Error, parse_digital_link
from registry.gs1.compression import compress, decompress, uncompressed
from service.commands.gs1 import gs1
from tests.testdata import load_json

VECTORS: list[dict[str, Any]] = load_json("vectors", "compressed-digital-links.json")["cases"]
COMPRESSED = [case for case in VECTORS if "compressed" in case]


def _data(uri: str) -> tuple[Any, ...]:
    link = parse_digital_link(uri)
    return link.primary, link.qualifiers, sorted(link.attributes)


@pytest.mark.parametrize("case", COMPRESSED, ids=lambda case: case["compressed"][-30:])
def test_what_the_independent_implementation_compressed_decompresses_to_its_input(
    case: dict[str, Any],
) -> None:
    assert _data(uncompressed(case["compressed"]) or "") == _data(case["uri"])


def test_the_vectors_cover_enough() -> None:
    # The reference fails on some lot codes with URI-reserved characters (it reads them
    # after percent-decoding); those cases have an "error" and are left out above.
    assert len(COMPRESSED) >= 100
    assert any("?" in case["uri"] for case in COMPRESSED)
    assert any("/21/" in case["uri"] for case in COMPRESSED)


@pytest.mark.parametrize("case", VECTORS, ids=lambda case: case["uri"][-40:])
def test_compressing_and_decompressing_gives_the_same_data(case: dict[str, Any]) -> None:
    link = parse_digital_link(case["uri"])
    elements = [link.primary, *link.qualifiers, *link.attributes]
    segment = compress(elements)
    assert decompress(segment) == (elements, [])
    assert _data(uncompressed("https://id.gs1.org/" + segment) or "") == _data(case["uri"])


def test_the_issue_example_and_a_single_gtin_compress_as_the_reference_does() -> None:
    assert uncompressed("https://id.gs1.org/ARBAdeagkA") == "https://id.gs1.org/01/08934521000008"
    assert compress([("01", "08934521000008")]) == "ARBAdeagkA"


@pytest.mark.parametrize(
    "uri",
    [
        "https://id.gs1.org/ARBAdeagkg",  # GTIN with a wrong check digit
        "https://id.gs1.org/_________",  # no such optimisation
        "https://id.gs1.org/ARBAde",  # too short to be one
    ],
)
def test_corrupt_compressed_links_are_gs1_errors_or_not_compressed(uri: str) -> None:
    try:
        assert uncompressed(uri) is None
    except GS1Error as error:
        assert error.problems and error.problems[0].message_vi


def test_gs1_check_reads_a_compressed_link() -> None:
    result = CliRunner().invoke(gs1, ["check", "--json", "https://id.gs1.org/ARBAdeagkA"])
    assert result.exit_code == 0, result.output
    output = json.loads(result.output)
    assert output["element_string"] == "(01)08934521000008"
    assert output["canonical"] == "https://id.gs1.org/01/08934521000008"
