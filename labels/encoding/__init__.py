"""One seam between symbol content and the renderer: `encode(kind, data) -> Matrix | Bars`.

Two interchangeable encoders sit behind it: zint (fast, GS1-aware, needs the
`zint-bindings` wheel) and a portable pure-Python one (`qrcode`, `python-barcode`).
The renderer only ever sees the module grid or the bar pattern, so both paths
produce identical drawings for identical symbols.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from labels.errors import LabelError

EncoderName = Literal["zint", "pure"]
ErrorCorrection = Literal["L", "M", "Q", "H"]
GS1Elements = Sequence[tuple[str, str]]

ENCODER_ENV = "TRUYXUAT_ENCODER"


class SymbolKind(StrEnum):
    EAN13 = "ean13"
    QR = "qr"
    GS1_DATAMATRIX = "gs1-datamatrix"
    GS1_QR = "gs1-qr"
    GS1_128 = "gs1-128"

    @property
    def is_gs1_element_string(self) -> bool:
        return self in (SymbolKind.GS1_DATAMATRIX, SymbolKind.GS1_QR, SymbolKind.GS1_128)

    @property
    def is_linear(self) -> bool:
        return self in (SymbolKind.EAN13, SymbolKind.GS1_128)


Run = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Matrix:
    """A 2D symbol without quiet zone: dark modules as horizontal runs."""

    width: int
    height: int
    runs: tuple[Run, ...]
    """(row, first column, length) of each run of dark modules."""

    def is_dark(self, row: int, column: int) -> bool:
        return any(r == row and c <= column < c + n for r, c, n in self.runs)


@dataclass(frozen=True, slots=True)
class Bars:
    """A linear symbol without quiet zones: one character per module, '1' is a bar."""

    modules: str

    @property
    def width(self) -> int:
        return len(self.modules)

    def bar_runs(self) -> list[tuple[int, int]]:
        """(first module, width in modules) of each bar."""
        return [(m.start(), m.end() - m.start()) for m in _DARK_RUN.finditer(self.modules)]


EncodedSymbol = Matrix | Bars

_DARK_RUN = re.compile("1+")


def runs_from_rows(rows: Sequence[str]) -> tuple[Run, ...]:
    """Runs of '1' in each row string."""
    return tuple(
        (row_index, m.start(), m.end() - m.start())
        for row_index, row in enumerate(rows)
        for m in _DARK_RUN.finditer(row)
    )


def zint_available() -> bool:
    try:
        import zint  # noqa: F401
    except ImportError:
        return False
    return True


def choose_encoder(encoder: EncoderName | None = None) -> EncoderName:
    """The explicit choice, else $TRUYXUAT_ENCODER, else zint when installed."""
    chosen = encoder or os.environ.get(ENCODER_ENV) or ("zint" if zint_available() else "pure")
    if chosen not in ("zint", "pure"):
        raise LabelError(
            f"Bộ mã hoá không hợp lệ: {chosen!r} (chọn 'zint' hoặc 'pure').",
            f"Unknown encoder {chosen!r} (choose 'zint' or 'pure').",
            field="encoder",
        )
    if chosen == "zint" and not zint_available():
        raise LabelError(
            "Chưa cài gói zint-bindings, không dùng được bộ mã hoá zint.",
            "The zint encoder needs the zint-bindings package, which is not installed.",
            field="encoder",
        )
    return chosen  # type: ignore[return-value]


def encode(
    kind: SymbolKind,
    data: str | GS1Elements,
    *,
    encoder: EncoderName | None = None,
    error_correction: ErrorCorrection = "M",
) -> EncodedSymbol:
    """Encode already validated content.

    `data` is the 13 digits for EAN-13, the text for a plain QR and the element
    list [(ai, value), ...] for the GS1 symbols (FNC1 is inserted by the encoder).
    """
    if kind.is_gs1_element_string and isinstance(data, str):
        raise TypeError("GS1 symbols take a list of (AI, value) elements")
    if not kind.is_gs1_element_string and not isinstance(data, str):
        raise TypeError(f"{kind} takes a string")
    if choose_encoder(encoder) == "zint":
        from labels.encoding import zint_encoder

        return zint_encoder.encode(kind, data, error_correction=error_correction)
    from labels.encoding import pure_encoder

    return pure_encoder.encode(kind, data, error_correction=error_correction)
