"""decode_image against one plain zxing-cpp call, measured in the same run.

Run: .venv/bin/python bench/bench_decode.py [--rounds N]

1. The 42 scans of tests/data/scans: codes found per difficulty, and total time.
   Goals: at least 5 more codes than the plain call, at no more than 3x its time.
2. Phone-sized frames (1080p and 12 MP JPEGs, scans pasted into noisy clutter; and 1080p
   frames with no code at all, where the decoder spends its whole time budget): images/s.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import zxingcpp
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scanner_client.decode import decode_image
from tests.testdata import data_path

SCANS = data_path("scans")

Found = set[tuple[str, str]]


def plain_zxing(data: bytes | Path) -> Found:
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    with Image.open(source) as image:
        return {(result.format.name, result.text) for result in zxingcpp.read_barcodes(image)}


def ours(data: bytes | Path) -> Found:
    return {(code.symbology, code.text) for code in decode_image(data)}


def timed(
    decoder: Callable[[bytes | Path], Found], inputs: list[bytes | Path], rounds: int
) -> tuple[list[Found], float]:
    """Results of the first round and the best total time over `rounds`."""
    best = float("inf")
    results: list[Found] = []
    for _ in range(rounds):
        started = time.perf_counter()
        round_results = [decoder(item) for item in inputs]
        best = min(best, time.perf_counter() - started)
        results = results or round_results
    return results, best


def score_test_set(rounds: int) -> None:
    manifest = json.loads((SCANS / "manifest.json").read_text())
    entries = manifest["images"]
    paths: list[bytes | Path] = [SCANS / entry["file"] for entry in entries]
    plain_found, plain_time = timed(plain_zxing, paths, rounds)
    our_found, our_time = timed(ours, paths, rounds)

    print(f"Test set: {len(entries)} images, best of {rounds} rounds")
    print(f"{'difficulty':<12}{'codes':>6}{'plain':>8}{'decode':>8}{'false+ plain/decode':>22}")
    totals = [0, 0, 0, 0, 0]
    for difficulty in ("clean", "phone", "hard"):
        row = [0, 0, 0, 0, 0]
        for entry, plain, mine in zip(entries, plain_found, our_found, strict=True):
            if entry["difficulty"] != difficulty:
                continue
            expected = {(code["symbology"], code["text"]) for code in entry["codes"]}
            row[0] += len(expected)
            row[1] += len(expected & plain)
            row[2] += len(expected & mine)
            row[3] += len(plain - expected)
            row[4] += len(mine - expected)
        totals = [a + b for a, b in zip(totals, row, strict=True)]
        print(f"{difficulty:<12}{row[0]:>6}{row[1]:>8}{row[2]:>8}{f'{row[3]}/{row[4]}':>22}")
    print(f"{'all':<12}{totals[0]:>6}{totals[1]:>8}{totals[2]:>8}{f'{totals[3]}/{totals[4]}':>22}")
    ratio = our_time / plain_time
    print(f"time: plain {plain_time:.3f} s, decode {our_time:.3f} s, ratio {ratio:.2f}x")
    more = totals[2] - totals[1]
    print(
        f"goal +5 codes: {'met' if more >= 5 else 'MISSED'} (+{more}); "
        f"goal <= 3x time: {'met' if ratio <= 3 else 'MISSED'} ({ratio:.2f}x)\n"
    )


def phone_frame(size: tuple[int, int], scans: list[Path], rng: random.Random) -> bytes:
    """A noisy, cluttered JPEG frame with each scan pasted at a random place."""
    frame = Image.effect_noise(size, 25).convert("RGB")
    frame = Image.blend(frame, Image.new("RGB", size, (150, 140, 130)), 0.7)
    draw = ImageDraw.Draw(frame)
    for _ in range(60):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.rectangle((x, y, x + rng.randrange(10, 80), y + rng.randrange(5, 40)), fill=colour)
    x_slot = size[0] // max(1, len(scans))
    for index, path in enumerate(scans):
        with Image.open(path) as opened:
            scan = opened.convert("RGB")
            scan.thumbnail((x_slot - 20, size[1] - 20))
            x = index * x_slot + rng.randrange(0, max(1, x_slot - scan.width))
            y = rng.randrange(0, max(1, size[1] - scan.height))
            frame.paste(scan, (x, y))
    buffer = io.BytesIO()
    frame.filter(ImageFilter.GaussianBlur(0.6)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def frames_throughput(rounds: int) -> None:
    rng = random.Random(11)
    manifest = json.loads((SCANS / "manifest.json").read_text())
    paths = [SCANS / entry["file"] for entry in manifest["images"]]
    cases = {
        "1080p, 2 scans": ((1920, 1080), 2, 8),
        "12 MP, 3 scans": ((4000, 3000), 3, 4),
        "1080p, no code": ((1920, 1080), 0, 3),
    }
    print(
        f"{'frames':<18}{'n':>4}{'plain img/s':>13}{'decode img/s':>14}{'found plain':>13}"
        f"{'found decode':>14}{'ratio':>7}"
    )
    for name, (size, per_frame, count) in cases.items():
        frames: list[bytes | Path] = []
        expected = 0
        for _ in range(count):
            chosen = rng.sample(paths, per_frame)
            expected += sum(
                len(entry["codes"])
                for entry in manifest["images"]
                if SCANS / entry["file"] in chosen
            )
            frames.append(phone_frame(size, chosen, rng))
        plain_found, plain_time = timed(plain_zxing, frames, rounds)
        our_found, our_time = timed(ours, frames, rounds)
        print(
            f"{name:<18}{count:>4}{count / plain_time:>13.1f}{count / our_time:>14.1f}"
            f"{f'{sum(map(len, plain_found))}/{expected}':>13}"
            f"{f'{sum(map(len, our_found))}/{expected}':>14}{our_time / plain_time:>6.1f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    decode_image(SCANS / "scan001.png")  # warm-up: imports, ZBar loading
    score_test_set(rounds)
    frames_throughput(rounds)


if __name__ == "__main__":
    main()
