"""`gs1 check` through click's runner, on the labelled test vectors."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from service.commands.gs1 import gs1
from tests.testdata import load_json

DL_CASES: list[dict[str, Any]] = load_json("vectors", "digital-link-cases.json")["cases"]
GTIN_CASES: list[dict[str, Any]] = load_json("vectors", "identifier-cases.json")["gtins"]


def _run(*args: str, stdin: str | None = None) -> tuple[int, list[str]]:
    result = CliRunner().invoke(gs1, ["check", *args], input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output.splitlines()


def test_digital_links_from_stdin_get_the_engine_verdicts_in_order() -> None:
    stdin = "".join(case["uri"] + "\n" for case in DL_CASES)
    code, lines = _run("--json", "-", stdin=stdin)
    assert code == 1
    outputs = [json.loads(line) for line in lines]
    assert len(outputs) == len(DL_CASES)
    for case, output in zip(DL_CASES, outputs, strict=True):
        assert output["input"] == case["uri"]
        assert output["kind"] == "digital_link"
        assert output["valid"] is case["valid"], output
        if case["valid"]:
            assert output["element_string"] == case["element_string"]
            assert output["canonical"] == case["canonical"]
            assert output["errors"] == []
        else:
            assert output["errors"]
            assert set(output["errors"][0]) == {"ai", "message_vi", "message_en"}


def test_all_valid_exits_zero() -> None:
    valid = [case["uri"] for case in DL_CASES if case["valid"]][:20]
    code, lines = _run(*valid)
    assert code == 0
    assert len(lines) == 20
    assert all(line.startswith("OK") for line in lines)


def test_bare_gtins_agree_with_the_identifier_file() -> None:
    values = [case["value"] for case in GTIN_CASES]
    code, lines = _run("--json", *values)
    assert code == 1
    for case, line in zip(GTIN_CASES, lines, strict=True):
        output = json.loads(line)
        assert output["valid"] is case["valid"]
        assert output["kind"] == f"gtin{len(case['value'])}"
        if case["valid"]:
            assert output["element_string"] == f"(01){case['gtin14']}"
            assert output["canonical"] == f"https://id.gs1.org/01/{case['gtin14']}"
        else:
            assert output["errors"][0]["ai"] == "01"


def test_element_strings_raw_and_parenthesised() -> None:
    shape = re.compile(r"^\(01\)(\d{14})\(10\)([^(\\]+)\(17\)(\d{6})$")
    case = next(c for c in DL_CASES if c["valid"] and shape.match(c["element_string"]))
    match = shape.match(case["element_string"])
    assert match is not None
    gtin, lot, expiry = match.groups()
    raw = f"01{gtin}10{lot}\x1d17{expiry}"
    for text in (case["element_string"], raw, "]d2" + raw):
        code, lines = _run("--json", text)
        output = json.loads(lines[0])
        assert output["kind"] == "element_string"
        assert output["element_string"] == case["element_string"], (text, output)
        assert output["canonical"] == case["canonical"]
        assert code == 0


def test_lenient_accepts_gtin13_links() -> None:
    gtin13_links = [c["uri"] for c in DL_CASES if c["made_as"] == "gtin13"]
    strict_code, _ = _run(*gtin13_links)
    lenient_code, lines = _run("--lenient", "--json", *gtin13_links)
    assert strict_code == 1
    assert lenient_code == 0
    for uri, line in zip(gtin13_links, lines, strict=True):
        gtin13 = uri.rsplit("/", 1)[1]
        assert json.loads(line)["canonical"] == f"https://id.gs1.org/01/0{gtin13}"


def test_sscc_and_gln_kinds() -> None:
    sscc_case = next(c for c in DL_CASES if c["valid"] and c["element_string"].startswith("(00)"))
    gln_case = next(
        c
        for c in DL_CASES
        if c["valid"] and c["element_string"] == ("(414)" + c["uri"].rsplit("/", 1)[1])
    )
    sscc = sscc_case["element_string"][4:]
    gln = gln_case["element_string"][5:]
    code, lines = _run("--json", sscc, gln)
    assert code == 0
    assert json.loads(lines[0])["kind"] == "sscc"
    assert json.loads(lines[0])["canonical"] == sscc_case["canonical"]
    assert json.loads(lines[1])["kind"] == "gtin13"
    code, lines = _run("--json", "--gln", gln)
    assert json.loads(lines[0])["kind"] == "gln"
    assert json.loads(lines[0])["canonical"] == gln_case["canonical"]


def test_readable_output_shows_both_languages_for_errors() -> None:
    bad = next(c for c in DL_CASES if c["made_as"] == "checkdigit")
    code, lines = _run(bad["uri"])
    assert code == 1
    assert "chữ số kiểm tra sai" in lines[0]
    assert "wrong check digit" in lines[0]


def test_command_module_imports_only_registry_gs1_and_click() -> None:
    source = Path(__file__).resolve().parents[2] / "service" / "commands" / "gs1.py"
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    project = {name for name in imported if name.split(".")[0] in {"registry", "service", "labels"}}
    assert project == {"registry.gs1"}
    assert "click" in imported
