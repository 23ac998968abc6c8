"""The fast path: zint through `zint-bindings`, with every GS1 warning turned into an error."""

from __future__ import annotations

import zint

from labels.encoding import (
    Bars,
    EncodedSymbol,
    ErrorCorrection,
    GS1Elements,
    Matrix,
    SymbolKind,
    runs_from_rows,
)
from labels.errors import LabelError

_ZINT_ROW_BYTES = 144  # zint's encoded_data holds rows of 1152 modules, 8 per byte, LSB first
_BYTE_TO_MODULES = tuple(
    "".join("1" if byte >> bit & 1 else "0" for bit in range(8)) for byte in range(256)
)
_QR_EC_LEVEL = {"L": 1, "M": 2, "Q": 3, "H": 4}

_SYMBOLOGY = {
    SymbolKind.EAN13: zint.Symbology.EANX_CHK,
    SymbolKind.QR: zint.Symbology.QRCODE,
    SymbolKind.GS1_QR: zint.Symbology.QRCODE,
    SymbolKind.GS1_DATAMATRIX: zint.Symbology.DATAMATRIX,
    SymbolKind.GS1_128: zint.Symbology.GS1_128,
}


def bracketed(elements: GS1Elements) -> str:
    """zint's GS1 input form: "[01]…[10]…" (brackets never reach the symbol)."""
    return "".join(f"[{ai}]{value}" for ai, value in elements)


def encode(
    kind: SymbolKind, data: str | GS1Elements, *, error_correction: ErrorCorrection
) -> EncodedSymbol:
    symbol = zint.Symbol()
    symbol.symbology = _SYMBOLOGY[kind]
    # Without FAIL_ALL zint only warns about bad AI data and encodes it anyway.
    symbol.warn_level = zint.WarningLevel.FAIL_ALL
    if kind in (SymbolKind.QR, SymbolKind.GS1_QR):
        symbol.option_1 = _QR_EC_LEVEL[error_correction]
    if kind is SymbolKind.GS1_DATAMATRIX:
        symbol.option_3 = zint.DataMatrixOptions.SQUARE
    if kind.is_gs1_element_string:
        assert not isinstance(data, str)
        symbol.input_mode = zint.InputMode.GS1
        text = bracketed(data)
    else:
        assert isinstance(data, str)
        text = data
    try:
        symbol.encode(text)
    except RuntimeError as error:
        raise LabelError(
            f"Không mã hoá được dữ liệu thành mã {kind}: {error}",
            f"Cannot encode the data as {kind}: {error}",
            field="data",
        ) from error
    rows = _module_rows(symbol)
    if kind.is_linear:
        return Bars(rows[0])
    return Matrix(width=symbol.width, height=symbol.rows, runs=runs_from_rows(rows))


def _module_rows(symbol: zint.Symbol) -> list[str]:
    packed = symbol.encoded_data.tobytes()
    width = symbol.width
    row_bytes = (width + 7) // 8
    rows = []
    for row in range(symbol.rows):
        start = row * _ZINT_ROW_BYTES
        chunk = packed[start : start + row_bytes]
        rows.append("".join([_BYTE_TO_MODULES[byte] for byte in chunk])[:width])
    return rows
