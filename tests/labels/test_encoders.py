"""Both encoders behind the seam give symbols that decode to the same content."""

from __future__ import annotations

from typing import Any

import pytest
import zxingcpp
from PIL import Image

from labels.encoding import Bars, EncodedSymbol, Matrix, SymbolKind, choose_encoder, encode
from labels.errors import LabelError
from registry.gs1 import format_raw, parse_element_string

ENCODERS = ("zint", "pure")
PRINTED_FORMATS = [
    zxingcpp.BarcodeFormat.QRCode,
    zxingcpp.BarcodeFormat.DataMatrix,
    zxingcpp.BarcodeFormat.EAN13,
    zxingcpp.BarcodeFormat.Code128,
]


def decode(image: Image.Image) -> list[zxingcpp.Barcode]:
    return list(zxingcpp.read_barcodes(image, formats=PRINTED_FORMATS))


def plain_image(symbol: EncodedSymbol, *, scale: int = 4, quiet: int = 10) -> Image.Image:
    if isinstance(symbol, Bars):
        image = Image.new("L", ((symbol.width + 2 * quiet) * scale, 80), 255)
        for start, width in symbol.bar_runs():
            image.paste(0, ((start + quiet) * scale, 0, (start + quiet + width) * scale, 80))
        return image
    size = (max(symbol.width, symbol.height) + 2 * quiet) * scale
    image = Image.new("L", (size, size), 255)
    for row, column, length in symbol.runs:
        box = ((column + quiet) * scale, (row + quiet) * scale)
        image.paste(0, (*box, box[0] + length * scale, box[1] + scale))
    return image


def test_ean13_bar_patterns_are_identical_on_both_paths(gtin13_cases: list[dict[str, Any]]) -> None:
    valid = [case["value"] for case in gtin13_cases if case["valid"]]
    assert len(valid) >= 5
    for gtin in valid:
        zint_bars = encode(SymbolKind.EAN13, gtin, encoder="zint")
        pure_bars = encode(SymbolKind.EAN13, gtin, encoder="pure")
        assert isinstance(zint_bars, Bars) and zint_bars.width == 95
        assert zint_bars == pure_bars
        (result,) = decode(plain_image(pure_bars))
        assert result.text == gtin


@pytest.mark.parametrize("encoder", ENCODERS)
def test_digital_link_qr_decodes_to_the_uri(
    encoder: str, digital_link_cases: list[dict[str, Any]]
) -> None:
    for case in digital_link_cases[:25]:
        symbol = encode(SymbolKind.QR, case["uri"], encoder=encoder)  # type: ignore[arg-type]
        (result,) = decode(plain_image(symbol))
        assert (result.text, result.symbology_identifier) == (case["uri"], "]Q1")


@pytest.mark.parametrize(
    ("kind", "identifier"),
    [(SymbolKind.GS1_QR, "]Q3"), (SymbolKind.GS1_128, "]C1"), (SymbolKind.GS1_DATAMATRIX, "]d2")],
)
def test_gs1_symbols_decode_identically_on_both_paths(
    kind: SymbolKind, identifier: str, digital_link_cases: list[dict[str, Any]]
) -> None:
    encoders = ENCODERS if kind is not SymbolKind.GS1_DATAMATRIX else ("zint",)
    checked = 0
    for case in digital_link_cases[:30]:
        elements = parse_element_string(case["element_string"])
        if kind is SymbolKind.GS1_128 and sum(len(a) + len(v) for a, v in elements) > 40:
            continue
        for encoder in encoders:
            symbol = encode(kind, elements, encoder=encoder)  # type: ignore[arg-type]
            (result,) = decode(plain_image(symbol))
            assert result.symbology_identifier == identifier
            assert result.bytes == format_raw(elements).encode("ascii")
            if "\\(" not in case["element_string"]:  # zxing's text does not escape "("
                assert result.text == case["element_string"]
            checked += 1
    assert checked >= 10


def test_fnc1_is_encoded_not_parentheses() -> None:
    elements = [("01", "08934560865699"), ("10", "AB(1)%"), ("21", "X1")]
    for encoder in ENCODERS:
        symbol = encode(SymbolKind.GS1_128, elements, encoder=encoder)  # type: ignore[arg-type]
        (result,) = decode(plain_image(symbol))
        assert result.bytes == b"0108934560865699" + b"10AB(1)%\x1d" + b"21X1"


def test_pure_path_has_no_datamatrix_and_says_so() -> None:
    with pytest.raises(LabelError) as raised:
        encode(SymbolKind.GS1_DATAMATRIX, [("01", "08934560865699")], encoder="pure")
    assert "zint" in raised.value.message_vi and "zint" in raised.value.message_en


def test_zint_refuses_invalid_ai_data_instead_of_warning() -> None:
    with pytest.raises(LabelError):
        encode(SymbolKind.GS1_128, [("01", "08934560865699"), ("17", "250231")], encoder="zint")


def test_encoder_choice_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUYXUAT_ENCODER", "pure")
    assert choose_encoder() == "pure"
    monkeypatch.setenv("TRUYXUAT_ENCODER", "zint")
    assert choose_encoder() == "zint"
    assert choose_encoder("pure") == "pure"
    monkeypatch.setenv("TRUYXUAT_ENCODER", "bwipp")
    with pytest.raises(LabelError):
        choose_encoder()


def test_matrix_runs_cover_the_finder_pattern() -> None:
    symbol = encode(SymbolKind.QR, "https://id.gs1.org/01/08934560865699", encoder="pure")
    assert isinstance(symbol, Matrix)
    assert all(symbol.is_dark(0, column) for column in range(7))
    assert not symbol.is_dark(1, 1)
