"""docs/conformance.md counts what the suite checks: each row's cases are the test cases
its selectors collect now (SQLite and PostgreSQL cases both counted), so the table goes
stale the moment a test or an example is added or removed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.collected import collected_here

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "docs" / "conformance.md"

# Family -> node id prefixes (a file, or file::test name prefix).
FAMILIES: dict[str, tuple[str, ...]] = {
    "Official JSON examples captured and queried back schema-valid": (
        "tests/events/test_capture.py::test_official_example",
        "tests/events/test_capture.py::test_missing_event_ids",
        "tests/events/test_capture.py::test_capturing_again",
        "tests/events/test_xml.py::test_json_examples_are_captured",
        "tests/events/test_xml.py::test_xml_and_json_editions_of_a_refused",
    ),
    "JSON event hashes equal the reference generator's": ("tests/events/test_hashing.py",),
    "Official XML examples (2.0 and 1.2) captured, queried back in JSON and XML": (
        "tests/events/test_xml.py::test_xml_example_is_captured",
    ),
    "XML event hashes equal the reference generator's": (
        "tests/events/test_xml.py::test_event_hash_of_xml",
        "tests/events/test_xml.py::test_xml_hash_comparison",
    ),
    "JSON to XML to JSON keeps every event hash": (
        "tests/events/test_xml.py::test_json_to_xml_to_json",
    ),
    "Single events carry their context and are schema-valid": (
        "tests/events/test_single_events.py",
    ),
    "EPCIS exceptions (standard names, absolute instance, capture job)": (
        "tests/events/test_exceptions.py",
    ),
    "Query parameters (SimpleEventQuery), paging and visibility": (
        "tests/events/test_query_parameters.py",
        "tests/events/test_query.py",
    ),
    "Formats: media types, 406/415, GS1-EPC-Format, GS1-CBV-Format, CORS": (
        "tests/events/test_formats.py",
        "tests/events/test_cors.py",
        "tests/events/test_xml.py::test_json_is_answered",
        "tests/events/test_xml.py::test_unserved_accept",
        "tests/events/test_xml.py::test_unsupported_content_type",
        "tests/events/test_xml.py::test_single_event_in_xml",
    ),
    "Limits and hostile input (size, depth, XML attacks)": (
        "tests/events/test_limits.py",
        "tests/events/test_xml.py::test_hostile_or_invalid_xml",
        "tests/events/test_xml.py::test_a_valid_xml_event",
    ),
    "Listings: root, capture jobs, EPCs, vocabularies, locations, sub-resources": (
        "tests/events/test_listings.py",
    ),
    "schemathesis with GS1's EPCIS OpenAPI document, served over HTTP": (
        "tests/events/test_epcis_openapi.py",
    ),
    "Stored hashes recomputed (truyxuat events rehash)": ("tests/events/test_rehash.py",),
    "Named queries and subscriptions (webhooks, WebSocket)": ("tests/subscriptions/",),
    "Digital Link against GS1's syntax engine's vectors": (
        "tests/gs1/test_digital_link_vectors.py",
        "tests/resolver/test_vectors.py",
    ),
    "Resolver conformance (GS1 resolver test suite's checks, linkset schema)": (
        "tests/resolver/test_conformance.py",
    ),
}
ROW = re.compile(r"^\| (?P<family>[^|]+?) \| (?P<cases>\d+) \| (?P<passed>\d+) \|", re.MULTILINE)


def _collected(config: pytest.Config) -> list[str]:
    """The cases under the families' files: those this run collected when it collected all of
    them (the whole suite does), else a collection of just those files in a subprocess."""
    paths = sorted({s.split("::")[0] for selectors in FAMILIES.values() for s in selectors})
    here = collected_here(config, paths)
    if here is not None:
        return here
    listing = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [line for line in listing.stdout.splitlines() if "::" in line]


def _cases(node_ids: list[str], selectors: tuple[str, ...]) -> int:
    return sum(1 for node in node_ids if node.startswith(selectors))


def test_the_conformance_table_counts_the_cases_the_suite_collects(
    request: pytest.FixtureRequest,
) -> None:
    node_ids = _collected(request.config)
    written = {
        m["family"]: (int(m["cases"]), int(m["passed"])) for m in ROW.finditer(TABLE.read_text())
    }
    counted = {family: _cases(node_ids, selectors) for family, selectors in FAMILIES.items()}
    assert all(counted.values()), [f for f, n in counted.items() if not n]
    expected = "\n".join(f"| {f} | {n} | {n} |" for f, n in counted.items())
    assert {f: cases for f, (cases, _) in written.items()} == counted, expected
    assert all(passed <= cases for cases, passed in written.values())
