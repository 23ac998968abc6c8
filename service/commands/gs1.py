"""`truyxuat gs1 check`: validate Digital Link URIs, element strings and bare GS1 keys."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

import click

from registry.gs1 import (
    CANONICAL_BASE,
    GS,
    DigitalLink,
    GS1Error,
    GS1Problem,
    build_digital_link,
    format_parenthesised,
    parse_digital_link,
    parse_element_string,
    parse_gln,
    parse_gtin,
    parse_sscc,
    uncompressed,
)

_GTIN_KINDS = {8: "gtin8", 12: "gtin12", 13: "gtin13", 14: "gtin14"}
_SSCC_LENGTH = 18


@dataclass
class CheckResult:
    input: str
    kind: str
    element_string: str | None = None
    canonical: str | None = None
    errors: list[GS1Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def as_json(self) -> dict[str, object]:
        return {
            "input": self.input,
            "valid": self.valid,
            "kind": self.kind,
            "element_string": self.element_string,
            "canonical": self.canonical,
            "errors": [
                {"ai": p.ai, "message_vi": p.message_vi, "message_en": p.message_en}
                for p in self.errors
            ],
        }


def _kind_of(value: str, *, gln: bool) -> str:
    if value[:8].lower().startswith(("http://", "https://")):
        return "digital_link"
    if value.isascii() and value.isdigit():
        if len(value) == _SSCC_LENGTH:
            return "sscc"
        if len(value) == 13 and gln:
            return "gln"
        if len(value) in _GTIN_KINDS:
            return _GTIN_KINDS[len(value)]
    return "element_string"


def _canonical_or_none(elements: list[tuple[str, str]]) -> str | None:
    try:
        return build_digital_link(CANONICAL_BASE, elements)
    except GS1Error:
        return None


def check_value(value: str, *, lenient: bool = False, gln: bool = False) -> CheckResult:
    """Classify and validate one input; never raises GS1Error."""
    kind = _kind_of(value, gln=gln)
    result = CheckResult(input=value, kind=kind)
    try:
        if kind == "digital_link":
            # A compressed Digital Link (GS1 Digital Link 1.1 §8) is checked uncompressed.
            expanded = uncompressed(value) or value
            link: DigitalLink = parse_digital_link(expanded, lenient=lenient)
            result.element_string = link.element_string()
            result.canonical = link.canonical()
            return result
        if kind == "element_string":
            elements = parse_element_string(value)
        elif kind == "sscc":
            elements = [("00", parse_sscc(value))]
        elif kind == "gln":
            elements = [("414", parse_gln(value))]
        else:
            elements = [("01", parse_gtin(value).gtin14)]
        result.element_string = format_parenthesised(elements)
        result.canonical = _canonical_or_none(elements)
    except GS1Error as error:
        result.errors = error.problems
    return result


def _readable(result: CheckResult) -> str:
    shown = result.input.replace(GS, "<GS>")
    if result.valid:
        line = f"OK   {result.kind:<14} {shown}  ->  {result.element_string}"
        return f"{line}  {result.canonical}" if result.canonical else line
    messages = "; ".join(f"{p.message_vi} / {p.message_en}" for p in result.errors)
    return f"SAI  {result.kind:<14} {shown}  :  {messages}"


def _inputs(values: tuple[str, ...]) -> Iterable[str]:
    for value in values:
        if value == "-":
            for line in sys.stdin:
                text = line.rstrip("\r\n")
                if text.strip():
                    yield text
        else:
            yield value


@click.group(name="gs1", help="GS1 identifiers, element strings and Digital Link URIs.")
def gs1() -> None:
    """Command group; see `check`."""


@gs1.command(name="check")
@click.argument("values", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input, in order.")
@click.option(
    "--lenient",
    is_flag=True,
    help="Accept GTIN-8/12/13 in Digital Links and a trailing slash (as the resolver does).",
)
@click.option("--gln", is_flag=True, help="Read a bare 13-digit number as a GLN, not a GTIN-13.")
def check(values: tuple[str, ...], as_json: bool, lenient: bool, gln: bool) -> None:
    """Check VALUES: Digital Link URIs, element strings ("(01)…(10)…" or raw with GS
    separators) or bare keys (GTIN-8/12/13/14, SSCC). "-" reads one value per line from
    stdin. Exit status 0 when all are valid, 1 otherwise."""
    all_valid = True
    for value in _inputs(values):
        result = check_value(value, lenient=lenient, gln=gln)
        all_valid = all_valid and result.valid
        if as_json:
            click.echo(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            click.echo(_readable(result))
    raise SystemExit(0 if all_valid else 1)
