"""`truyxuat taxcode check`: validate Vietnamese tax codes from the command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import TypedDict

import click

from registry.vn import VNRuleError, parse_tax_code, tax_code_problems

STDIN_MARKER = "-"


class ErrorOut(TypedDict):
    reason: str
    message_vi: str
    message_en: str


class CheckResult(TypedDict):
    input: str
    valid: bool
    kind: str | None
    value: str | None
    errors: list[ErrorOut]


def _inputs(values: tuple[str, ...]) -> Iterator[str]:
    for value in values:
        if value == STDIN_MARKER:
            yield from (line.strip() for line in sys.stdin if line.strip())
        else:
            yield value


def _result(value: str) -> CheckResult:
    problems: list[VNRuleError] = tax_code_problems(value)
    tax_code = None if problems else parse_tax_code(value)
    return {
        "input": value,
        "valid": not problems,
        "kind": tax_code.kind if tax_code else None,
        "value": tax_code.display if tax_code else None,
        "errors": [
            {"reason": p.reason, "message_vi": p.message_vi, "message_en": p.message_en}
            for p in problems
        ],
    }


def _as_text(result: CheckResult) -> str:
    if result["valid"]:
        return f"{result['input']}\thợp lệ / valid\t{result['kind']}\t{result['value']}"
    reasons = "; ".join(f"{e['message_vi']} / {e['message_en']}" for e in result["errors"])
    return f"{result['input']}\tkhông hợp lệ / invalid\t{reasons}"


@click.group()
def taxcode() -> None:
    """Mã số thuế — Vietnamese tax codes."""


@taxcode.command()
@click.argument("values", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input, one per line.")
@click.pass_context
def check(ctx: click.Context, values: tuple[str, ...], as_json: bool) -> None:
    """Check tax codes: 10 digits, 13 for a branch (0123456789-001), or a 12-digit personal ID.

    Give the codes as arguments, or - to read one per line from standard input.
    Exits 0 when every code is valid, 1 otherwise.
    """
    if not values:
        raise click.UsageError(
            "Nhập ít nhất một mã số thuế, hoặc - để đọc từ đầu vào chuẩn. / "
            "Give at least one tax code, or - to read them from standard input."
        )
    all_valid = True
    for value in _inputs(values):
        result = _result(value)
        all_valid = all_valid and result["valid"]
        click.echo(json.dumps(result, ensure_ascii=False) if as_json else _as_text(result))
    ctx.exit(0 if all_valid else 1)
