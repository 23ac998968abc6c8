"""Shared fixtures: independent test vectors and a real decoder (zxing-cpp)."""

from __future__ import annotations

import io
from typing import Any

import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from tests.testdata import load_json

# Only what labels print: keeps zxing's ITF/DataBar false positives on QR patterns out.
PRINTED_FORMATS = [
    zxingcpp.BarcodeFormat.QRCode,
    zxingcpp.BarcodeFormat.DataMatrix,
    zxingcpp.BarcodeFormat.EAN13,
    zxingcpp.BarcodeFormat.Code128,
]


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = load_json("vectors", name)
    return data


@pytest.fixture(scope="session")
def digital_link_cases() -> list[dict[str, Any]]:
    return [case for case in _load("digital-link-cases.json")["cases"] if case["valid"]]


@pytest.fixture(scope="session")
def gtin13_cases() -> list[dict[str, Any]]:
    return [case for case in _load("identifier-cases.json")["gtins"] if len(case["value"]) == 13]


class Tools:
    """Decoding and PDF helpers, handed to tests as the `tools` fixture."""

    @staticmethod
    def decode(image: Image.Image) -> list[zxingcpp.Barcode]:
        return list(zxingcpp.read_barcodes(image, formats=PRINTED_FORMATS))

    @staticmethod
    def decode_png(png: bytes) -> list[zxingcpp.Barcode]:
        return list(zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), formats=PRINTED_FORMATS))

    @staticmethod
    def rasterise_pdf(pdf: bytes, *, page: int = 0, dpi: int = 300) -> Image.Image:
        document = pypdfium2.PdfDocument(pdf)
        try:
            image: Image.Image = document[page].render(scale=dpi / 72).to_pil()
        finally:
            document.close()
        return image

    @staticmethod
    def pdf_page_count(pdf: bytes) -> int:
        document = pypdfium2.PdfDocument(pdf)
        try:
            return len(document)
        finally:
            document.close()

    @staticmethod
    def pdf_text(pdf: bytes, *, page: int = 0) -> str:
        document = pypdfium2.PdfDocument(pdf)
        try:
            text: str = document[page].get_textpage().get_text_range()
        finally:
            document.close()
        return text


@pytest.fixture(scope="session")
def tools() -> type[Tools]:
    return Tools
