"""Find every barcode in a phone photo: QR, EAN-13, UPC-A, EAN-8, GS1 DataMatrix, GS1-128.

One call of a barcode reader finds most codes. Phone photos defeat it with rotated or skewed
linear codes, small codes, blur, noise, glare and low contrast, so the decoder escalates through
cheap-to-expensive attempts (other binarizers, a second reader, a rotation sweep, rescaling,
contrast and noise filters) until something is found or the time budget is spent. Clean photos
stop after the first rounds; every attempt only adds codes, deduplicated by (symbology, text).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from registry.gs1 import format_parenthesised, parse_element_string
from scanner_client.coverage import unexplained_texture
from scanner_client.engines import (
    LINEAR_FORMATS,
    MATRIX_FORMATS,
    Hit,
    read_zbar_retail,
    read_zxing,
)
from scanner_client.errors import DecodeError
from scanner_client.imaging import (
    ImageSource,
    View,
    denoised,
    enhanced,
    inverted,
    load_view,
    rotated,
    scaled,
)

__all__ = ["DecodeError", "DecodedCode", "decode_image", "decode_many"]

ALL_FORMATS = MATRIX_FORMATS + LINEAR_FORMATS
# ISO/IEC 15424 symbology identifiers that announce GS1 data (FNC1 in first position):
# Code 128 ]C1, Data Matrix ]d2 (]d5 with ECI), QR Code ]Q3 (]Q4 with ECI).
GS1_SYMBOLOGY_IDENTIFIERS = frozenset({"]C1", "]d2", "]d5", "]Q3", "]Q4"})
# Rotation sweep for linear codes: zxing-cpp scans rows, so bars tilted more than ~8° are missed;
# 10° steps leave every tilt within 5° of a tried angle.
SWEEP_ANGLES = (10, -10, 20, -20, 30, -30, 40, -40)
# Codes this small (in pixels of the longest image side) get an enlarged pass.
SMALL_IMAGE_SIDE = 1000
MID_IMAGE_SIDE = 2600
# Huge frames are also tried shrunk: bars spread over many pixels blur into a clean signal.
LARGE_IMAGE_SIDE = 2000
SHRUNK_SIDE = 1200


@dataclass(frozen=True)
class DecodedCode:
    symbology: str
    """One of "QRCode", "EAN13", "UPCA", "EAN8", "DataMatrix", "Code128"."""
    text: str
    """GS1 content as a parenthesised element string "(01)…(17)…"; otherwise the raw text."""
    gs1: bool
    symbology_identifier: str
    raw: str
    """The decoded text as the reader gave it, GS1 fields separated by GS (\\x1d)."""
    position: tuple[tuple[int, int], ...] | None
    """Corners (top-left, top-right, bottom-right, bottom-left) in pixels of the upright image."""


def decode_image(data: ImageSource, *, time_budget: float = 2.0) -> list[DecodedCode]:
    """Every code found in the image within about `time_budget` seconds.

    Raises DecodeError when the input is not a readable, supported image of sane size.
    """
    deadline = time.monotonic() + time_budget
    view = load_view(data)
    found = _Found()
    for attempt in _quick_attempts(view):
        found.add(attempt())
    if found and not _more_codes_likely(view, found):
        return found.codes()
    for attempt in _deep_attempts(view):
        if time.monotonic() >= deadline:
            break
        if found.add(attempt()) and not _more_codes_likely(view, found):
            break
    return found.codes()


def _more_codes_likely(view: View, found: _Found) -> bool:
    # The loaded view differs from the source only by a uniform scale.
    view_per_source = 1 / (view.to_source(1, 0)[0] - view.to_source(0, 0)[0])
    areas = [
        (
            [(x * view_per_source, y * view_per_source) for x, y in code.position or ()],
            code.symbology in LINEAR_FORMATS,
        )
        for code in found.codes()
        if code.position
    ]
    return unexplained_texture(view, areas)


def decode_many(
    paths: Iterable[str | Path], *, time_budget: float = 2.0
) -> Iterator[tuple[str | Path, list[DecodedCode] | DecodeError]]:
    """Decode each file in turn; a file that cannot be read yields its DecodeError."""
    for path in paths:
        try:
            yield path, decode_image(path, time_budget=time_budget)
        except DecodeError as error:
            yield path, error


Attempt = Callable[[], list[Hit]]


def _quick_attempts(view: View) -> Iterator[Attempt]:
    yield lambda: read_zxing(view, formats=ALL_FORMATS)
    yield lambda: read_zxing(view, formats=ALL_FORMATS, binarizer="FixedThreshold")
    yield lambda: read_zbar_retail(view)


def _deep_attempts(view: View) -> Iterator[Attempt]:
    yield from _sweep(view)
    if view.longest_side < SMALL_IMAGE_SIDE:
        enlarged = scaled(view, 2)
        yield lambda: read_zxing(enlarged, formats=ALL_FORMATS)
        yield lambda: read_zbar_retail(enlarged)
        yield from _sweep(enlarged)
    elif view.longest_side <= MID_IMAGE_SIDE:
        # Small codes in a whole-scene photo: modules of ~2 px do not survive rotation unscaled.
        yield from _sweep(scaled(view, 1.5))
    # Light-on-dark prints are rare on packaging; tried after the usual failures.
    yield lambda: read_zxing(inverted(view), formats=ALL_FORMATS)
    if view.longest_side > LARGE_IMAGE_SIDE:
        shrunk = scaled(view, SHRUNK_SIDE / view.longest_side)
        yield from _sweep(shrunk)
    sharpened = enhanced(view)
    yield lambda: read_zxing(sharpened, formats=ALL_FORMATS)
    yield lambda: read_zxing(sharpened, formats=ALL_FORMATS, binarizer="GlobalHistogram")
    yield lambda: read_zbar_retail(sharpened)
    yield from _sweep(sharpened)
    smoothed = denoised(view)
    yield lambda: read_zxing(smoothed, formats=ALL_FORMATS)
    yield lambda: read_zbar_retail(smoothed)
    yield from _sweep(smoothed)


def _sweep(view: View) -> Iterator[Attempt]:
    for angle in SWEEP_ANGLES:
        yield partial(_read_linear_turned, view, angle)


def _read_linear_turned(view: View, angle: float) -> list[Hit]:
    turned = rotated(view, angle)
    return read_zxing(turned, formats=LINEAR_FORMATS) + read_zbar_retail(turned)


class _Found:
    """Codes found so far, one per (symbology, text), in the order first seen."""

    def __init__(self) -> None:
        self._codes: dict[tuple[str, str], DecodedCode] = {}

    def __bool__(self) -> bool:
        return bool(self._codes)

    def add(self, hits: list[Hit]) -> bool:
        """Keep the new codes among `hits`; True if there was any."""
        added = False
        for hit in hits:
            code = _decoded_code(hit)
            key = (code.symbology, code.text)
            if key not in self._codes:
                self._codes[key] = code
                added = True
        return added

    def codes(self) -> list[DecodedCode]:
        return list(self._codes.values())


def _decoded_code(hit: Hit) -> DecodedCode:
    gs1 = hit.symbology_identifier in GS1_SYMBOLOGY_IDENTIFIERS
    text = hit.raw
    if gs1:
        try:
            text = format_parenthesised(parse_element_string(hit.raw, check_associations=False))
        except ValueError:
            # A GS1 symbol with invalid element data: report it as read; interpreting it is
            # where the problem gets explained.
            text = hit.raw
    position = tuple((round(x), round(y)) for x, y in hit.corners) or None
    return DecodedCode(hit.symbology, text, gs1, hit.symbology_identifier, hit.raw, position)
