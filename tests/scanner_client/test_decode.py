"""decode_image against the BWIPP-drawn, phone-degraded scans and against codes rendered here."""

from __future__ import annotations

import io
import json
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import barcode
import pytest
import qrcode
from barcode.writer import ImageWriter
from PIL import Image, ImageDraw, ImageFilter

from scanner_client.decode import DecodedCode, DecodeError, decode_image, decode_many
from tests.testdata import data_path

SCANS = data_path("scans")
MANIFEST: dict[str, Any] = json.loads((SCANS / "manifest.json").read_text())
IMAGES = MANIFEST["images"]


def expected_codes(entry: dict[str, Any]) -> set[tuple[str, str, bool]]:
    return {(code["symbology"], code["text"], code["gs1"]) for code in entry["codes"]}


def found_codes(codes: list[DecodedCode]) -> set[tuple[str, str, bool]]:
    return {(code.symbology, code.text, code.gs1) for code in codes}


@pytest.fixture(scope="module")
def scan_results() -> dict[str, list[DecodedCode]]:
    return {entry["file"]: decode_image(SCANS / entry["file"]) for entry in IMAGES}


@pytest.mark.parametrize("entry", IMAGES, ids=[entry["file"] for entry in IMAGES])
def test_scan_holds_exactly_the_listed_codes(
    entry: dict[str, Any], scan_results: dict[str, list[DecodedCode]]
) -> None:
    found = found_codes(scan_results[entry["file"]])
    expected = expected_codes(entry)
    assert found <= expected, f"false positives: {found - expected}"
    if entry["difficulty"] in ("clean", "phone"):
        assert found == expected, f"{entry['difficulty']} code missed: {expected - found}"


def test_at_least_47_of_48_codes_found(scan_results: dict[str, list[DecodedCode]]) -> None:
    total = sum(len(entry["codes"]) for entry in IMAGES)
    found = sum(
        len(expected_codes(entry) & found_codes(scan_results[entry["file"]])) for entry in IMAGES
    )
    assert total == 48
    assert found >= 47


def test_gs1_symbols_keep_raw_data_and_identifier(
    scan_results: dict[str, list[DecodedCode]],
) -> None:
    gs1_codes = [code for codes in scan_results.values() for code in codes if code.gs1]
    assert {code.symbology for code in gs1_codes} == {"Code128", "DataMatrix"}
    for code in gs1_codes:
        assert code.symbology_identifier in ("]C1", "]d2")
        assert code.text.startswith("(01)")
        # Variable-length lot (10) followed by serial (21) needs a GS separator in the raw data.
        if "(21)" in code.text:
            assert "\x1d21" in code.raw
    digital_link = [c for codes in scan_results.values() for c in codes if c.symbology == "QRCode"]
    assert all(
        code.symbology_identifier == "]Q1" and code.raw == code.text for code in digital_link
    )


def test_positions_point_at_the_code(scan_results: dict[str, list[DecodedCode]]) -> None:
    for name, codes in scan_results.items():
        with Image.open(SCANS / name) as image:
            width, height = image.size
        for code in codes:
            assert code.position is not None
            assert len(code.position) == 4
            for x, y in code.position:
                assert -5 <= x <= width + 5 and -5 <= y <= height + 5, (name, code.position)


# --- codes rendered here, then degraded like a phone photo -------------------------------------


def qr_image(text: str, *, box_size: int = 6) -> Image.Image:
    image: Image.Image = qrcode.make(text, box_size=box_size, border=4).get_image()
    return image.convert("L")


def linear_image(kind: str, digits: str, *, module_width: float = 0.3) -> Image.Image:
    writer = ImageWriter()
    symbol = barcode.get(kind, digits, writer=writer)
    rendered: Image.Image = symbol.render({"module_width": module_width, "dpi": 200})
    return rendered.convert("L")


def on_cluttered_frame(
    symbols: list[tuple[Image.Image, tuple[int, int]]], size: tuple[int, int] = (1280, 960)
) -> Image.Image:
    rng = random.Random(7)
    frame = Image.new("L", size, 170)
    draw = ImageDraw.Draw(frame)
    for _ in range(25):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.rectangle((x, y, x + rng.randrange(10, 40), y + rng.randrange(5, 20)), fill=90)
    for symbol, place in symbols:
        frame.paste(symbol, place)
    return frame


NOISE_TILE = 256


def with_noise(image: Image.Image, amount: int, *, seed: int = 7) -> Image.Image:
    """Gaussian sensor noise (mean 128, sigma `amount`), the same on every run:
    Image.effect_noise draws from an unseeded generator, and about one draw in eight
    defeated the small-QR case, which made the test flaky rather than stricter."""
    rng = random.Random(seed)
    tile = Image.frombytes(
        "L",
        (NOISE_TILE, NOISE_TILE),
        bytes(
            min(255, max(0, round(rng.gauss(128, amount)))) for _ in range(NOISE_TILE * NOISE_TILE)
        ),
    )
    noise = Image.new("L", image.size)
    for x in range(0, image.size[0], NOISE_TILE):
        for y in range(0, image.size[1], NOISE_TILE):
            noise.paste(tile.rotate(90 * ((x + y) // NOISE_TILE % 4)), (x, y))
    return Image.blend(image.convert("L"), noise, 0.25)


def as_jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def in_perspective(image: Image.Image, *, far_side: float = 0.8) -> Image.Image:
    """The image seen from the left: its right edge `far_side` times as tall as its left."""
    width, height = image.size
    shrink = height * (1 - far_side) / 2
    seen = [(0, 0), (width, shrink), (width, height - shrink), (0, height)]
    source = [(0, 0), (width, 0), (width, height), (0, height)]
    return image.transform(
        image.size,
        Image.Transform.PERSPECTIVE,
        homography(seen, source),
        Image.Resampling.BILINEAR,
        fillcolor=255,
    )


def homography(
    seen: Sequence[tuple[float, float]], source: Sequence[tuple[float, float]]
) -> tuple[float, ...]:
    """Pillow's 8 PERSPECTIVE coefficients mapping output points `seen` to input `source`."""
    rows = []
    for (x, y), (u, v) in zip(seen, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y, u])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y, v])
    for column in range(8):  # Gauss-Jordan elimination with partial pivoting
        pivot = max(range(column, 8), key=lambda row: abs(rows[row][column]))
        rows[column], rows[pivot] = rows[pivot], rows[column]
        for row in range(8):
            if row != column:
                ratio = rows[row][column] / rows[column][column]
                rows[row] = [a - ratio * b for a, b in zip(rows[row], rows[column], strict=True)]
    return tuple(rows[i][8] / rows[i][i] for i in range(8))


EAN13_DIGITS = "893603004012"  # check digit 5 added by the encoder
EAN13_TEXT = barcode.get("ean13", EAN13_DIGITS).get_fullcode()
DIGITAL_LINK = "https://truyxuat.dongthap.gov.vn/01/08936030040125/10/LOT7"


def test_degraded_ean13_rotated_blurred_noisy_jpeg() -> None:
    symbol = linear_image("ean13", EAN13_DIGITS).rotate(
        17, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC
    )
    frame = on_cluttered_frame([(symbol, (300, 250))])
    photo = with_noise(frame.filter(ImageFilter.GaussianBlur(1.0)), 60)
    codes = decode_image(as_jpeg(photo, quality=40))
    assert found_codes(codes) == {("EAN13", EAN13_TEXT, False)}
    assert codes[0].symbology_identifier == "]E0"


def test_degraded_qr_small_in_perspective_noisy_jpeg() -> None:
    symbol = in_perspective(qr_image(DIGITAL_LINK, box_size=2))
    frame = on_cluttered_frame([(symbol, (700, 500))], size=(1600, 1200))
    photo = with_noise(frame, 40)
    # A generous budget: this checks what the search can find, not how fast on a busy machine.
    codes = decode_image(as_jpeg(photo, quality=40), time_budget=8.0)
    assert found_codes(codes) == {("QRCode", DIGITAL_LINK, False)}


def test_easy_qr_does_not_hide_a_tilted_gs1_128_beside_it() -> None:
    """The first, cheap pass finds the QR; the search must go on for the tilted bars."""
    by_file = {entry["file"]: entry for entry in IMAGES}
    qr_entry, bars_entry = by_file["scan001.png"], by_file["scan047.jpg"]
    with Image.open(SCANS / "scan001.png") as qr, Image.open(SCANS / "scan047.jpg") as bars:
        frame = Image.new("RGB", (qr.width + bars.width, max(qr.height, bars.height)), "white")
        frame.paste(qr, (0, 0))
        frame.paste(bars, (qr.width, 0))
        bars_box = (qr.width, 0, qr.width + bars.width, bars.height)
    # A generous budget: this checks that the search goes on, not how fast on a busy machine.
    codes = decode_image(frame, time_budget=8.0)
    assert found_codes(codes) == expected_codes(qr_entry) | expected_codes(bars_entry)
    tilted = next(code for code in codes if code.symbology == "Code128")
    assert tilted.position is not None
    for x, y in tilted.position:
        assert bars_box[0] <= x <= bars_box[2] and bars_box[1] <= y <= bars_box[3]


@pytest.mark.parametrize(
    ("kind", "digits", "symbology"), [("upca", "03600029145", "UPCA"), ("ean8", "9638507", "EAN8")]
)
def test_other_retail_symbols(kind: str, digits: str, symbology: str) -> None:
    full = barcode.get(kind, digits).get_fullcode()
    frame = on_cluttered_frame([(linear_image(kind, digits), (200, 200))])
    assert found_codes(decode_image(frame)) == {(symbology, full, False)}


def test_image_without_codes_returns_empty_within_budget() -> None:
    frame = with_noise(on_cluttered_frame([]), 30)
    started = time.monotonic()
    assert decode_image(frame, time_budget=0.5) == []
    # One attempt may still be running when the budget runs out.
    assert time.monotonic() - started < 1.5


def test_accepts_path_str_bytes_and_image_alike() -> None:
    path = SCANS / "scan001.png"
    results = [
        decode_image(source) for source in (path, str(path), path.read_bytes(), Image.open(path))
    ]
    assert all(result == results[0] for result in results)


def test_decode_many_reports_errors_per_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a picture")
    outcomes = dict(decode_many([SCANS / "scan001.png", broken]))
    assert isinstance(outcomes[broken], DecodeError)
    first = outcomes[SCANS / "scan001.png"]
    assert isinstance(first, list) and first[0].symbology == "QRCode"


# --- bad input ---------------------------------------------------------------------------------


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A few hundred bytes of PNG whose header claims a width × height grayscale canvas."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 4, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def truncated_jpeg() -> bytes:
    whole = (SCANS / "scan002.jpg").read_bytes()
    return whole[: len(whole) // 3]


def hundred_megapixels() -> bytes:
    return png_bytes(Image.new("L", (10_000, 10_000), 255))


def tiff_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (64, 64), 255).save(buffer, "TIFF")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("make", "english_hint"),
    [
        (lambda: b"PK\x03\x04 this is a zip, not a photo", "not an image"),
        (lambda: b"", "not an image"),
        (truncated_jpeg, "damaged or incomplete"),
        (lambda: png_bytes(qr_image(DIGITAL_LINK))[:-200], "damaged or incomplete"),
        (hundred_megapixels, "too large"),
        (lambda: png_declaring(60_000, 60_000), "too large"),
        (tiff_bytes, "not supported"),
    ],
    ids=["zip", "empty", "truncated-jpeg", "truncated-png", "100-megapixels", "png-bomb", "tiff"],
)
def test_bad_input_is_a_clear_error(make: Any, english_hint: str) -> None:
    data = make()
    started = time.monotonic()
    with pytest.raises(DecodeError) as caught:
        decode_image(data, time_budget=1.0)
    assert time.monotonic() - started < 1.0
    assert english_hint in caught.value.message_en
    assert caught.value.message_vi and caught.value.message_vi != caught.value.message_en


def test_missing_file_is_a_decode_error(tmp_path: Path) -> None:
    with pytest.raises(DecodeError) as caught:
        decode_image(tmp_path / "absent.jpg")
    assert "Không đọc được tệp" in caught.value.message_vi


def test_huge_pil_image_is_refused_before_any_work() -> None:
    with pytest.raises(DecodeError):
        decode_image(Image.new("1", (8_000, 8_000)))
