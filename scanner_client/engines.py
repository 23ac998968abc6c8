"""The two barcode readers behind one small interface: zxing-cpp (all symbologies) and ZBar.

ZBar is optional (it needs the system library libzbar0); it reads noisy or warped EAN/UPC bars
that zxing-cpp gives up on, so it is only asked about those.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import zxingcpp

from scanner_client.imaging import Point, View

log = logging.getLogger(__name__)

# Names as zxing-cpp's BarcodeFormat spells them, which is also what callers see.
MATRIX_FORMATS = ("QRCode", "DataMatrix")
LINEAR_FORMATS = ("EAN13", "UPCA", "EAN8", "Code128")
RETAIL_FORMATS = ("EAN13", "UPCA", "EAN8")

# ISO/IEC 15424 symbology identifiers: for EAN/UPC, ]E0 is EAN-13 and UPC-A, ]E4 is EAN-8.
_EAN_IDENTIFIERS = {"EAN13": "]E0", "UPCA": "]E0", "EAN8": "]E4"}


@dataclass(frozen=True)
class Hit:
    """One symbol as a reader returned it, its corners already mapped to source pixels."""

    symbology: str
    raw: str
    symbology_identifier: str
    corners: tuple[Point, ...]


def _zxing_formats(names: Sequence[str]) -> zxingcpp.BarcodeFormats:
    return zxingcpp.barcode_formats_from_str(",".join(names))


def read_zxing(
    view: View,
    *,
    formats: Sequence[str],
    binarizer: str = "LocalAverage",
    try_invert: bool = False,
    try_downscale: bool = True,
) -> list[Hit]:
    results = zxingcpp.read_barcodes(
        view.image,
        formats=_zxing_formats(formats),
        try_rotate=True,
        try_downscale=try_downscale,
        try_invert=try_invert,
        binarizer=getattr(zxingcpp.Binarizer, binarizer),
        text_mode=zxingcpp.TextMode.Plain,
    )
    hits = []
    for result in results:
        position = result.position
        corners = tuple(
            view.to_source(point.x, point.y)
            for point in (
                position.top_left,
                position.top_right,
                position.bottom_right,
                position.bottom_left,
            )
        )
        symbology, text = _as_retail_reads(result.format.name, result.text)
        hits.append(Hit(symbology, text, result.symbology_identifier, corners))
    return hits


def _as_retail_reads(symbology: str, text: str) -> tuple[str, str]:
    """UPC-A is EAN-13 with a leading 0; both readers then agree on ("UPCA", 12 digits)."""
    if symbology in ("EAN13", "UPCA") and len(text) == 13 and text.startswith("0"):
        return "UPCA", text[1:]
    return symbology, text


@cache
def _zbar() -> Any:
    """pyzbar, loaded when a scan first needs it, so the notice below comes once and only then."""
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError) as error:  # OSError: pyzbar present, libzbar0 missing
        log.warning("ZBar unavailable (%s); noisy EAN/UPC codes will be read less often", error)
        return None
    return pyzbar


def read_zbar_retail(view: View) -> list[Hit]:
    """EAN-13, EAN-8 and UPC-A with ZBar; empty when ZBar is not installed."""
    zbar = _zbar()
    if zbar is None:
        return []
    symbols = [zbar.ZBarSymbol.EAN13, zbar.ZBarSymbol.EAN8, zbar.ZBarSymbol.UPCA]
    hits = []
    for result in zbar.decode(view.image, symbols=symbols):
        if result.type not in RETAIL_FORMATS:
            continue
        symbology, text = _as_retail_reads(result.type, result.data.decode("ascii", "replace"))
        # ZBar's polygon has as many points as scan lines bent; its rectangle is 4 corners.
        left, top, width, height = result.rect
        right, bottom = left + width, top + height
        corners = tuple(
            view.to_source(float(x), float(y))
            for x, y in ((left, top), (right, top), (right, bottom), (left, bottom))
        )
        hits.append(Hit(symbology, text, _EAN_IDENTIFIERS[symbology], corners))
    return hits
