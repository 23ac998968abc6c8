"""Label printing benchmark: serialized labels/s into one PDF against raw zint QR encoding,
peak memory of a 100,000-label run, and PDF bytes per label. Ratios are measured in one run.

    .venv/bin/python bench/bench_labels.py [--labels 10000] [--memory-labels 100000]
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import os
import resource
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labels.layout import LabelData
from labels.output import render_pdf, render_pdf_parallel

RESOLVER = "https://truyxuat.dongthap.gov.vn"
GTIN14 = "08934560865699"
LAYOUT = "a4-3x7"


def serialised_labels(count: int) -> Iterator[LabelData]:
    base = LabelData(
        digital_link="",
        product_name="Xoài cát Hoà Lộc sấy dẻo Đồng Tháp",
        producer_name="HTX Nông nghiệp Mỹ Xương",
        lot="LOT25A",
        produced_on=date(2025, 3, 1),
        expires_on=date(2026, 3, 1),
        ocop_stars=4,
    )
    for _ in range(count):
        serial = secrets.token_hex(6).upper()  # 48 random bits (DESIGN.md §6: at least 40)
        uri = f"{RESOLVER}/01/{GTIN14}/10/LOT25A/21/{serial}"
        yield dataclasses.replace(base, digital_link=uri, serial=serial)


def raw_qr_rate(count: int) -> float:
    import zint

    uris = [label.digital_link for label in serialised_labels(count)]
    started = time.perf_counter()
    for uri in uris:
        symbol = zint.Symbol()
        symbol.symbology = zint.Symbology.QRCODE
        symbol.option_1 = 2
        symbol.encode(uri)
    return count / (time.perf_counter() - started)


def pdf_rate(count: int, *, parallel: bool) -> tuple[float, int]:
    out = io.BytesIO()
    render = render_pdf_parallel if parallel else render_pdf
    started = time.perf_counter()
    render(serialised_labels(count), layout=LAYOUT, out=out)
    return count / (time.perf_counter() - started), len(out.getvalue())


def memory_child(count: int, parallel: bool) -> None:
    with open(os.devnull, "wb") as out:
        render = render_pdf_parallel if parallel else render_pdf
        started = time.perf_counter()
        summary = render(serialised_labels(count), layout=LAYOUT, out=out)
        seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"self_kb": own, "children_kb": children, "labels": summary.labels,
                      "seconds": seconds}))  # fmt: skip


def peak_rss(count: int, *, parallel: bool) -> dict[str, float]:
    command = [sys.executable, __file__, "--memory-child", str(count)]
    if parallel:
        command.append("--parallel")
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--labels", type=int, default=10_000)
    parser.add_argument("--memory-labels", type=int, default=100_000)
    parser.add_argument("--memory-child", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--parallel", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.parallel)
        return

    count = args.labels
    raw = raw_qr_rate(count)
    single, single_bytes = pdf_rate(count, parallel=False)
    parallel, _ = pdf_rate(count, parallel=True)
    print(f"cores: {os.cpu_count()}, layout {LAYOUT}, {count:,} serialised labels")
    print(f"raw zint QR encode (1 core):   {raw:8.0f} /s")
    print(f"PDF end to end, 1 process:     {single:8.0f} labels/s = {single / raw:.2f} x raw")
    print(f"PDF end to end, all cores:     {parallel:8.0f} labels/s = {parallel / raw:.2f} x raw")
    print(f"parallel speed-up:             {parallel / single:8.2f} x")
    print(f"PDF size:                      {single_bytes / count:8.0f} bytes/label")

    for is_parallel in (False, True):
        memory = peak_rss(args.memory_labels, parallel=is_parallel)
        mode = "all cores" if is_parallel else "1 process"
        print(
            f"{args.memory_labels:,} labels, {mode}: peak RSS {memory['self_kb'] / 1024:.0f} MB"
            f" (largest worker {memory['children_kb'] / 1024:.0f} MB),"
            f" {memory['labels'] / memory['seconds']:.0f} labels/s"
        )


if __name__ == "__main__":
    main()
