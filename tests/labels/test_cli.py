"""`labels render` through click's test runner, output decoded with zxing-cpp."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image

from registry.gs1 import uncompressed
from service.commands.labels import labels

CASES = [
    ("ean13", "8934560865699", "8934560865699", "]E0"),
    ("qr", "https://id.example.vn/01/08934560865699/10/A1", None, "]Q1"),
    ("gs1-qr", "(01)08934560865699(10)A1", "(01)08934560865699(10)A1", "]Q3"),
    ("gs1-datamatrix", "(01)08934560865699(10)A1", "(01)08934560865699(10)A1", "]d2"),
    ("gs1-128", "(01)08934560865699(10)A1", "(01)08934560865699(10)A1", "]C1"),
]


@pytest.mark.parametrize("fmt", ["png", "pdf", "svg"])
@pytest.mark.parametrize(("symbol", "data", "expected", "identifier"), CASES)
def test_render_writes_a_decodable_file(
    symbol: str, data: str, expected: str | None, identifier: str, fmt: str, tmp_path: Path,
    tools: Any,
) -> None:  # fmt: skip
    target = tmp_path / f"code.{fmt}"
    result = CliRunner().invoke(
        labels,
        ["render", "--symbol", symbol, "--data", data, "--format", fmt, "-o", str(target)]
        + (["--encoder", "zint"] if symbol == "gs1-datamatrix" else []),
    )
    assert result.exit_code == 0, result.output
    if fmt == "svg":
        assert target.read_text().startswith("<?xml")
        return
    image = Image.open(target) if fmt == "png" else tools.rasterise_pdf(target.read_bytes())
    (decoded,) = tools.decode(image)
    assert (decoded.text, decoded.symbology_identifier) == (expected or data, identifier)


def test_render_refuses_a_wrong_check_digit_in_both_languages(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        labels,
        ["render", "--symbol", "ean13", "--data", "8934560865698", "--format", "png",
         "-o", str(tmp_path / "x.png")],
    )  # fmt: skip
    assert result.exit_code != 0
    assert "chữ số cuối phải là 9" in result.output and "check digit" in result.output
    assert not (tmp_path / "x.png").exists()


def test_render_warns_on_small_qr(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        labels,
        ["render", "--symbol", "qr", "--data", "https://id.example.vn/01/08934560865699",
         "--size-mm", "10", "--format", "svg", "-o", str(tmp_path / "q.svg")],
    )  # fmt: skip
    assert result.exit_code == 0
    assert "0.396" in result.output


@pytest.mark.parametrize("layout", ["roll-0x0", "a4-99x99"])
def test_print_refuses_a_layout_that_cannot_print_in_both_languages(
    layout: str, tmp_path: Path
) -> None:
    from service.cli import main

    target = tmp_path / "run.pdf"
    result = CliRunner().invoke(
        main,
        ["labels", "print", "--gtin", "8934560865699", "--lot", "A1", "--count", "3",
         "--layout", layout, "-o", str(target)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "mỗi cạnh tem phải từ 15 đến 200 mm" in result.output
    assert "each side must be 15 to 200 mm" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not target.exists()


def test_render_compressed_puts_the_compressed_link_in_the_qr(tmp_path: Path, tools: Any) -> None:
    data = "https://id.example.vn/01/08934560865699/10/A1?17=301231"
    target = tmp_path / "code.png"
    result = CliRunner().invoke(
        labels,
        ["render", "--symbol", "qr", "--data", data, "--compressed", "--format", "png",
         "-o", str(target)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (decoded,) = tools.decode(Image.open(target))
    assert decoded.text.startswith("https://id.example.vn/") and decoded.text.count("/") == 3
    assert len(decoded.text) < len(data)
    assert uncompressed(decoded.text) == data
    refused = CliRunner().invoke(
        labels,
        ["render", "--symbol", "ean13", "--data", "8934560865699", "--compressed",
         "--format", "png", "-o", str(tmp_path / "x.png")],
    )  # fmt: skip
    assert refused.exit_code != 0 and "--compressed" in refused.output
