"""interpret() against GS1's own syntax engine verdicts, the scan manifest and stdnum/biip."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from scanner_client.decode import decode_image
from scanner_client.interpret import (
    Interpretation,
    Kind,
    ResolverConfig,
    gs1_date,
    interpret,
    interpret_code,
)
from tests.testdata import data_path, load_json

REGISTRY = "https://truyxuat.dongthap.gov.vn"
CONFIG = ResolverConfig(REGISTRY)
DL_CASES: list[dict[str, Any]] = load_json("vectors", "digital-link-cases.json")["cases"]
SCANS: Path = data_path("scans")
MANIFEST_CODES = [
    (image["file"], code)
    for image in json.loads((SCANS / "manifest.json").read_text())["images"]
    for code in image["codes"]
]
GTIN_CASES: list[dict[str, Any]] = load_json("vectors", "identifier-cases.json")["gtins"]


def _bilingual(result: Interpretation) -> None:
    for problem in (*result.errors, *result.notes):
        assert problem.message_vi and problem.message_en
        assert problem.message_vi != problem.message_en


@pytest.mark.parametrize(
    "case", DL_CASES, ids=[f"{c['made_as']}-{i}" for i, c in enumerate(DL_CASES)]
)
def test_digital_link_cases(case: dict[str, Any]) -> None:
    result = interpret(case["uri"], config=CONFIG)
    assert result.kind is Kind.digital_link
    _bilingual(result)
    if case["valid"]:
        assert result.valid, result.errors
        assert result.element_string == case["element_string"]
        assert result.canonical == case["canonical"]
    else:
        assert not result.valid
        assert result.errors
    host = urlsplit(case["uri"]).hostname
    assert result.untrusted_domain is (host != "truyxuat.dongthap.gov.vn")
    if result.untrusted_domain:
        assert result.notes or not result.is_gs1
        # Never the label's own domain: the configured registry answers for the GS1 content.
        assert result.resolver_url is None or result.resolver_url.startswith(REGISTRY + "/")


@pytest.mark.parametrize("entry", MANIFEST_CODES, ids=[f for f, _ in MANIFEST_CODES])
def test_scan_manifest_codes(entry: tuple[str, dict[str, Any]]) -> None:
    _, code = entry
    result = interpret(code["text"], config=CONFIG)
    assert result.valid, result.errors
    if code["symbology"] == "QRCode":
        assert result.kind is Kind.digital_link
        assert result.untrusted_domain is (
            urlsplit(code["text"]).hostname != urlsplit(REGISTRY).hostname
        )
    elif code["gs1"]:
        assert result.kind is Kind.element_string
        assert result.element_string == code["text"]
        assert result.resolver_url is not None and result.resolver_url.startswith(REGISTRY)
    else:
        assert result.kind is Kind.gtin
        assert result.gtin == code["text"].zfill(14)
        assert result.resolver_url == f"{REGISTRY}/01/{code['text'].zfill(14)}"


@pytest.mark.parametrize("file", ["scan022.jpg", "scan043.png", "scan001.png"])
def test_decoded_codes_read_like_their_manifest_text(file: str) -> None:
    expected = {code["text"]: code for f, code in MANIFEST_CODES if f == file}
    codes = decode_image(SCANS / file)
    assert {code.text for code in codes} == set(expected)
    for code in codes:
        from_symbol = interpret_code(code, config=CONFIG)
        from_manifest = interpret(code.text, config=CONFIG)
        assert from_symbol.valid
        assert from_symbol.as_dict() == from_manifest.as_dict()


@pytest.mark.parametrize("case", GTIN_CASES, ids=[c["value"] for c in GTIN_CASES])
def test_bare_gtins(case: dict[str, Any]) -> None:
    result = interpret(case["value"], config=CONFIG)
    if len(case["value"]) not in (8, 12, 13, 14):
        assert result.kind is Kind.not_gs1
        return
    assert result.kind is Kind.gtin
    assert result.valid is case["valid"]
    if case["valid"]:
        assert result.gtin == case["gtin14"]
        assert result.resolver_url == f"{REGISTRY}/01/{case['gtin14']}"
    else:
        _bilingual(result)


def test_raw_element_strings_with_symbology_identifier() -> None:
    raw = "]d2010893176347140517281200105U8VKL\x1d219XK5DEQT"
    result = interpret(raw, config=CONFIG)
    assert result.kind is Kind.element_string and result.valid
    assert (result.gtin, result.lot, result.serial) == ("08931763471405", "5U8VKL", "9XK5DEQT")
    assert result.expiry_on == dt.date(2028, 12, 31)
    assert result.resolver_url == f"{REGISTRY}/01/08931763471405/10/5U8VKL/21/9XK5DEQT?17=281200"
    titles = {f.ai: f.title for f in (*result.qualifiers, *result.attributes)}
    assert titles == {"10": "BATCH/LOT", "21": "SERIAL", "17": "USE BY or EXPIRY"}


def test_invalid_element_string_names_the_ai() -> None:
    result = interpret("(01)08931763471406(10)A", config=CONFIG)
    assert result.kind is Kind.element_string and not result.valid
    assert result.errors[0].ai == "01"
    assert result.resolver_url is None
    _bilingual(result)


def test_dates_of_production_best_before_and_expiry() -> None:
    result = interpret("(01)08931763471405(11)260115(15)270200(17)280200", config=CONFIG)
    assert result.production_on == dt.date(2026, 1, 15)
    assert result.best_before_on == dt.date(2027, 2, 28)
    assert result.expiry_on == dt.date(2028, 2, 29)


@pytest.mark.parametrize(
    ("value", "today", "expected"),
    [
        ("991231", dt.date(2026, 6, 1), dt.date(1999, 12, 31)),
        ("751231", dt.date(2026, 6, 1), dt.date(2075, 12, 31)),
        ("770101", dt.date(2026, 6, 1), dt.date(1977, 1, 1)),
        ("010300", dt.date(2099, 6, 1), dt.date(2101, 3, 31)),
        ("261300", dt.date(2026, 6, 1), None),
    ],
)
def test_gs1_century_rule(value: str, today: dt.date, expected: dt.date | None) -> None:
    assert gs1_date(value, today=today) == expected


def test_trusted_resolvers_are_asked_on_their_own_domain() -> None:
    config = ResolverConfig(REGISTRY, trusted_domains=("tx.example.org",))
    for base in (REGISTRY, "https://id.gs1.org", "https://tx.example.org"):
        result = interpret(f"{base}/01/08931763471405/10/A1", config=config)
        assert not result.untrusted_domain
        assert result.resolver_url == f"{base}/01/08931763471405/10/A1"


def test_lookalike_domain_keeps_its_gs1_content_but_is_flagged() -> None:
    result = interpret(
        "https://truyxuat-dongthap.gov.vn.example.com/01/08931763471405/21/X", config=CONFIG
    )
    assert result.kind is Kind.digital_link and result.valid
    assert result.untrusted_domain and result.notes
    assert result.resolver_url == f"{REGISTRY}/01/08931763471405/21/X"


@pytest.mark.parametrize(
    "text",
    [
        "https://dongthap-gov.example/login",
        "http://198.51.100.7/khuyen-mai",
        "www.qua-tang.example.com/nhan-qua",
        "HTTPS://EXAMPLE.COM",
    ],
)
def test_web_addresses_elsewhere_are_possible_phishing(text: str) -> None:
    result = interpret(text, config=CONFIG)
    assert result.kind is Kind.phishing
    assert result.untrusted_domain
    assert result.resolver_url is None
    _bilingual(result)


@pytest.mark.parametrize(
    "text",
    [f"{REGISTRY}/gioi-thieu", "mailto:a@example.vn", "xin chào", "12345", "javascript:alert(1)"],
)
def test_other_content_is_not_gs1(text: str) -> None:
    result = interpret(text, config=CONFIG)
    assert result.kind is Kind.not_gs1
    assert not result.untrusted_domain
    assert result.resolver_url is None


def test_broken_digital_link_on_unknown_domain_is_both_invalid_and_flagged() -> None:
    result = interpret("https://evil.example/01/08931763471406", config=CONFIG)
    assert result.kind is Kind.digital_link
    assert result.errors and result.untrusted_domain and result.notes
    assert result.resolver_url is None


def test_text_in_brackets_is_not_taken_for_gs1() -> None:
    assert interpret("(Khuyến mãi) mua 2 tặng 1", config=CONFIG).kind is Kind.not_gs1
    bracketed = interpret("[01]08931763471405[10]A1", config=CONFIG)
    assert bracketed.kind is Kind.element_string and bracketed.valid
