"""Round trips between Digital Links and element strings, for generated valid data."""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from registry.gs1 import (
    AI_TABLE,
    CANONICAL_BASE,
    Element,
    GS1Error,
    build_digital_link,
    digital_link_from_element_string,
    format_parenthesised,
    format_raw,
    gs1_check_digit,
    parse_digital_link,
    parse_element_string,
)
from registry.gs1.checkdigit import CSET82

BASES = st.sampled_from(
    [
        CANONICAL_BASE,
        "https://truyxuat.dongthap.gov.vn",
        "http://localhost:8000/qr",
        "https://tx.example.org/a/b/",
    ]
)
CSET64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _with_check_digit(length: int) -> st.SearchStrategy[str]:
    digits = st.text(alphabet="0123456789", min_size=length - 1, max_size=length - 1)
    return digits.map(lambda body: body + gs1_check_digit(body))


def _cset82(max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=CSET82, min_size=1, max_size=max_size)


def _yymmdd(*, day_zero: bool) -> st.SearchStrategy[str]:
    today = dt.date.today()
    dates = st.dates(today - dt.timedelta(days=365 * 40), today + dt.timedelta(days=365 * 40))
    as_text = dates.map(lambda d: d.strftime("%y%m%d"))
    if not day_zero:
        return as_text
    return st.one_of(as_text, as_text.map(lambda s: s[:4] + "00"))


ATTRIBUTES = st.fixed_dictionaries(
    {},
    optional={
        "11": _yymmdd(day_zero=True),
        "13": _yymmdd(day_zero=True),
        "15": _yymmdd(day_zero=True),
        "17": _yymmdd(day_zero=True),
        "7006": _yymmdd(day_zero=False),
        "3103": st.text(alphabet="0123456789", min_size=6, max_size=6),
        "30": st.text(alphabet="0123456789", min_size=1, max_size=8),
        "400": _cset82(30),
        "7002": _cset82(30),
    },
)


@st.composite
def gtin_elements(draw: st.DrawFn) -> list[Element]:
    elements: list[Element] = [("01", draw(_with_check_digit(14)))]
    if draw(st.booleans()):
        elements.append(("235", draw(_cset82(28))))
    else:
        for qualifier in ("22", "10", "21"):
            if draw(st.booleans()):
                elements.append((qualifier, draw(_cset82(20))))
    elements.extend(draw(ATTRIBUTES).items())
    return elements


@st.composite
def gln_elements(draw: st.DrawFn) -> list[Element]:
    elements: list[Element] = [("414", draw(_with_check_digit(13)))]
    choice = draw(st.sampled_from(["", "254", "7040"]))
    if choice == "254":
        elements.append(("254", draw(_cset82(20))))
    elif choice == "7040":
        uic = draw(st.sampled_from("0123456789"))
        middle = draw(st.text(alphabet=CSET82, min_size=2, max_size=2))
        elements.append(("7040", uic + middle + draw(st.sampled_from(CSET64))))
    return elements


@st.composite
def sscc_elements(draw: st.DrawFn) -> list[Element]:
    elements: list[Element] = [("00", draw(_with_check_digit(18)))]
    if draw(st.booleans()):
        elements.append(("3303", draw(st.text(alphabet="0123456789", min_size=6, max_size=6))))
    if draw(st.booleans()):
        elements.append(("403", draw(_cset82(30))))
    return elements


ANY_ELEMENTS = st.one_of(gtin_elements(), gln_elements(), sscc_elements())


def _expected_order(elements: list[Element]) -> list[Element]:
    """Primary key, its qualifiers in the table's order, then attributes with predefined
    lengths first (the GS1 Syntax Engine's output order), each group as given."""
    primary = elements[0]
    sequences = AI_TABLE[primary[0]].qualifier_sequences
    order = [q for sequence in sequences for q in sequence]
    qualifiers = sorted((e for e in elements[1:] if e[0] in order), key=lambda e: order.index(e[0]))
    attributes = [e for e in elements[1:] if e[0] not in order]
    fixed = [e for e in attributes if AI_TABLE[e[0]].fixed_length]
    variable = [e for e in attributes if not AI_TABLE[e[0]].fixed_length]
    return [primary, *qualifiers, *fixed, *variable]


@settings(max_examples=300, deadline=None)
@given(elements=ANY_ELEMENTS, base=BASES, seed=st.integers(0, 2**16))
def test_build_then_parse_round_trip(elements: list[Element], base: str, seed: int) -> None:
    shuffled = elements[:1] + random.Random(seed).sample(elements[1:], len(elements) - 1)
    uri = build_digital_link(base, shuffled)
    link = parse_digital_link(uri)
    assert link.base == base.rstrip("/")
    assert link.elements() == _expected_order(shuffled)
    assert build_digital_link(base, link.elements()) == uri
    assert link.uri() == uri
    assert parse_digital_link(link.canonical()).elements() == link.elements()


@settings(max_examples=300, deadline=None)
@given(elements=ANY_ELEMENTS, base=BASES)
def test_element_strings_and_links_round_trip(elements: list[Element], base: str) -> None:
    link = parse_digital_link(build_digital_link(base, elements))
    ordered = link.elements()
    assert parse_element_string(link.element_string()) == ordered
    assert parse_element_string(format_parenthesised(ordered)) == ordered
    raw = format_raw(ordered)
    assert parse_element_string(raw) == ordered
    assert parse_element_string("]Q3" + raw) == ordered
    assert digital_link_from_element_string(base, raw) == link.uri()
    assert digital_link_from_element_string(base, link.element_string()) == link.uri()


@settings(max_examples=200, deadline=None)
@given(elements=gtin_elements(), seed=st.integers(0, 2**16))
def test_query_order_does_not_matter_for_validity(elements: list[Element], seed: int) -> None:
    uri = build_digital_link(CANONICAL_BASE, elements)
    path, _, query = uri.partition("?")
    parameters = query.split("&") if query else []
    random.Random(seed).shuffle(parameters)
    shuffled = path + ("?" + "&".join(parameters) if parameters else "")
    assert set(parse_digital_link(shuffled).elements()) == set(elements)


@settings(max_examples=200, deadline=None)
@given(elements=gtin_elements(), wrong=st.integers(1, 9))
def test_any_wrong_gtin_check_digit_is_named(elements: list[Element], wrong: int) -> None:
    uri = build_digital_link(CANONICAL_BASE, elements)
    gtin = elements[0][1]
    bad_gtin = gtin[:-1] + str((int(gtin[-1]) + wrong) % 10)
    try:
        parse_digital_link(uri.replace(f"/01/{gtin}", f"/01/{bad_gtin}", 1))
    except GS1Error as error:
        assert error.ai == "01"
        assert error.message_en == f"AI (01): wrong check digit, expected {gtin[-1]}"
    else:
        raise AssertionError("a wrong check digit was accepted")
