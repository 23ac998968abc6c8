"""Label photos and hostile files for the /scan page tests, made here with qrcode and Pillow."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

import qrcode
from PIL import Image, ImageDraw, ImageFilter


def label_photo(text: str, *, seed: int = 1, angle: float = 9) -> bytes:
    """A QR label on a cluttered table, turned, blurred, noisy, saved as a phone JPEG."""
    rng = random.Random(seed)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=4)
    code.add_data(text)
    label = code.make_image().get_image().convert("RGB")
    scene = Image.new("RGB", (1000, 800), (205, 198, 180))
    draw = ImageDraw.Draw(scene)
    for _ in range(30):
        x, y = rng.randrange(1000), rng.randrange(800)
        shade = tuple(rng.randrange(90, 230) for _ in range(3))
        draw.rectangle((x, y, x + rng.randrange(20, 140), y + rng.randrange(5, 50)), fill=shade)
    turned = label.rotate(angle, expand=True, fillcolor=(250, 250, 245))
    scene.paste(turned, ((1000 - turned.width) // 2, (800 - turned.height) // 2))
    scene = Image.blend(
        scene.filter(ImageFilter.GaussianBlur(1)),
        Image.effect_noise(scene.size, 24).convert("RGB"),
        0.1,
    )
    out = io.BytesIO()
    scene.save(out, "JPEG", quality=60)
    return out.getvalue()


def two_labels_photo(first: str, second: str) -> bytes:
    left, right = (Image.open(io.BytesIO(label_photo(t, angle=0))) for t in (first, second))
    scene = Image.new("RGB", (2000, 800), "white")
    scene.paste(left, (0, 0))
    scene.paste(right, (1000, 0))
    out = io.BytesIO()
    scene.save(out, "JPEG", quality=85)
    return out.getvalue()


def truncated(photo: bytes) -> bytes:
    return photo[: len(photo) // 3]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def hundred_megapixel_png() -> bytes:
    """A 10,000 × 10,000 white PNG: 100 megapixels in a file of ~100 kB."""
    width = height = 10_000
    row = b"\x00" + b"\xff" * (width // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", data)
        + _png_chunk(b"IEND", b"")
    )


def zip_bomb_named_png() -> bytes:
    """A ZIP archive whose one member inflates to 200 MB of zeros, to be sent as 'label.png'."""
    out = io.BytesIO()
    block = bytes(1 << 20)
    with (
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("label.png", "w", force_zip64=True) as member,
    ):
        for _ in range(200):
            member.write(block)
    return out.getvalue()


def png_with_bomb_inside() -> bytes:
    """A PNG whose IDAT inflates far beyond what its 4,000 × 4,000 header needs."""
    width = height = 4000
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    block = bytes(1 << 20)
    data = b"".join(compressor.compress(block) for _ in range(200)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", data)
        + _png_chunk(b"IEND", b"")
    )
