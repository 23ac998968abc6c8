"""The portable path: `qrcode` and `python-barcode`, pure Python, roughly 15x slower than zint.

Traps handled here: python-barcode's EAN-13 recomputes a wrong check digit instead
of refusing it (so content is validated before it reaches us and the 13th digit is
passed through as is); its GS1-128 class would encode parentheses as data (so it is
given the raw element string with FNC1 characters instead); `qrcode` has no FNC1
mode (so GS1 QR data is assembled here and handed to qrcode's Reed-Solomon and
masking). GS1 DataMatrix has no well-kept pure-Python encoder with FNC1 support.
"""

from __future__ import annotations

import re

import qrcode
import qrcode.base
import qrcode.util
from barcode.codex import Gs1_128
from barcode.ean import EAN13
from qrcode.exceptions import DataOverflowError

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
from registry.gs1 import format_raw

_QR_EC_LEVEL = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}
_QR_MODE_FNC1_FIRST = 0b0101  # ISO/IEC 18004:2015 Table 2, "FNC1 in first position"
_QR_GS = "\x1d"  # in byte mode FNC1 as a separator is the GS character (ISO/IEC 18004 7.4.8.2)
_DIGIT_RUN = re.compile(r"\d{6,}|\D+|\d{1,5}")


def encode(
    kind: SymbolKind, data: str | GS1Elements, *, error_correction: ErrorCorrection
) -> EncodedSymbol:
    if kind is SymbolKind.EAN13:
        assert isinstance(data, str)
        return Bars(EAN13(data, no_checksum=True).build()[0])
    if kind is SymbolKind.QR:
        assert isinstance(data, str)
        return _qr_matrix(_plain_qr(data, error_correction))
    assert not isinstance(data, str)
    if kind is SymbolKind.GS1_128:
        # Gs1_128 prepends the leading FNC1 itself; "\xf1" is python-barcode's FNC1.
        return Bars(Gs1_128(format_raw(data, separator="\xf1")).build()[0])
    if kind is SymbolKind.GS1_QR:
        return _qr_matrix(_gs1_qr(format_raw(data, separator=_QR_GS), error_correction))
    raise LabelError(
        "Mã GS1 DataMatrix cần bộ mã hoá zint (cài gói zint-bindings).",
        "GS1 DataMatrix needs the zint encoder (install the zint-bindings package).",
        field="symbol",
    )


def _qr_matrix(code: qrcode.QRCode) -> Matrix:
    grid = code.get_matrix()
    rows = ["".join("1" if dark else "0" for dark in row) for row in grid]
    return Matrix(width=len(rows[0]), height=len(rows), runs=runs_from_rows(rows))


def _plain_qr(text: str, error_correction: ErrorCorrection) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=_QR_EC_LEVEL[error_correction], border=0)
    code.add_data(text)
    code.make(fit=True)
    return code


def _gs1_qr(raw: str, error_correction: ErrorCorrection) -> qrcode.QRCode:
    segments = [
        qrcode.util.QRData(
            part.encode("ascii"),
            mode=qrcode.util.MODE_NUMBER if part.isdigit() else qrcode.util.MODE_8BIT_BYTE,
            check_data=False,
        )
        for part in _DIGIT_RUN.findall(raw)
    ]
    level = _QR_EC_LEVEL[error_correction]
    for version in range(1, 41):
        codewords = _fnc1_codewords(version, level, segments)
        if codewords is None:
            continue
        code = qrcode.QRCode(version=version, error_correction=level, border=0)
        code.data_cache = codewords
        code.make(fit=False)
        return code
    raise LabelError(
        "Dữ liệu quá dài cho một mã QR.",
        "The data is too long for one QR code.",
        field="data",
    )


def _fnc1_codewords(
    version: int, level: int, segments: list[qrcode.util.QRData]
) -> list[int] | None:
    """qrcode.util.create_data with the FNC1-first mode indicator in front; None if too long."""
    buffer = qrcode.util.BitBuffer()
    buffer.put(_QR_MODE_FNC1_FIRST, 4)
    for segment in segments:
        buffer.put(segment.mode, 4)
        buffer.put(len(segment), qrcode.util.length_in_bits(segment.mode, version))
        segment.write(buffer)
    rs_blocks = qrcode.base.rs_blocks(version, level)
    bit_limit = sum(block.data_count * 8 for block in rs_blocks)
    if len(buffer) > bit_limit:
        return None
    for _ in range(min(bit_limit - len(buffer), 4)):
        buffer.put_bit(False)
    if len(buffer) % 8:
        for _ in range(8 - len(buffer) % 8):
            buffer.put_bit(False)
    for index in range((bit_limit - len(buffer)) // 8):
        buffer.put(qrcode.util.PAD0 if index % 2 == 0 else qrcode.util.PAD1, 8)
    try:
        codewords: list[int] = qrcode.util.create_bytes(buffer, rs_blocks)
    except DataOverflowError:
        return None
    return codewords
