"""`truyxuat taxcode check`, run through click's test runner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from service.commands.taxcode import taxcode
from tests.testdata import load_json

TAX_CODE_CASES = load_json("vectors", "identifier-cases.json")["tax_codes"]
VALID = [c["value"] for c in TAX_CODE_CASES if c["valid"]]
INVALID = [c["value"] for c in TAX_CODE_CASES if not c["valid"]]


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(taxcode, ["check", *args], input=stdin)
    return result.exit_code, result.output


def test_all_valid_exits_zero() -> None:
    code, output = run(*VALID[:5])
    assert code == 0
    assert output.count("hợp lệ / valid") == 5


def test_one_invalid_exits_one_and_says_why_in_both_languages() -> None:
    code, output = run(VALID[0], "0100233480")
    assert code == 1
    assert "không hợp lệ / invalid" in output
    assert "chữ số kiểm tra" in output and "check digit" in output


def test_json_lines_in_input_order() -> None:
    inputs = [VALID[0], INVALID[0], "0314409058-002", "12345", "001085012345"]
    code, output = run("--json", *inputs)
    assert code == 1
    objects = [json.loads(line) for line in output.splitlines()]
    assert [o["input"] for o in objects] == inputs
    assert [o["valid"] for o in objects] == [True, False, True, False, True]
    assert [o["kind"] for o in objects] == ["mst10" if len(VALID[0]) == 10 else "mst13",
                                            None, "mst13", None, "personal_id12"]  # fmt: skip
    assert objects[2]["value"] == "0314409058-002"
    assert objects[0]["errors"] == []
    (error,) = objects[3]["errors"]
    assert error.keys() >= {"message_vi", "message_en"}
    assert "10 chữ số" in error["message_vi"]


def test_dash_reads_one_value_per_line_from_stdin() -> None:
    lines = "\n".join([*VALID[:20], "", "   "]) + "\n"
    code, output = run("--json", "-", stdin=lines)
    assert code == 0
    assert [json.loads(line)["input"] for line in output.splitlines()] == VALID[:20]

    code, output = run("--json", "-", stdin="\n".join([*VALID[:3], INVALID[0]]))
    assert code == 1
    assert [json.loads(line)["valid"] for line in output.splitlines()] == [True] * 3 + [False]


def test_every_stdnum_vector_through_the_cli() -> None:
    code, output = run("--json", "-", stdin="\n".join(c["value"] for c in TAX_CODE_CASES))
    assert code == 1
    verdicts = [json.loads(line)["valid"] for line in output.splitlines()]
    assert verdicts == [c["valid"] for c in TAX_CODE_CASES]


def test_no_value_is_a_usage_error() -> None:
    code, output = run()
    assert code == 2
    assert "tax code" in output
