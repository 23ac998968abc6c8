"""Digital Link validations per second: registry.gs1 against biip, same inputs, same run.

Run: .venv/bin/python bench/bench_gs1.py [--seconds 3]

Inputs are the 240 labelled URIs of tests/data/vectors/digital-link-cases.json
(half valid, half broken in one known way). Rounds of the two parsers alternate so
that machine noise hits both alike; the ratio is what to read.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import biip

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry.gs1 import GS1Error, parse_digital_link
from tests.testdata import load_json


def ours_accepts(uri: str) -> bool:
    try:
        parse_digital_link(uri)
    except GS1Error:
        return False
    return True


def biip_accepts(uri: str) -> bool:
    try:
        result = biip.parse(uri)
    except biip.ParseError:
        return False
    return result.gs1_digital_link_uri is not None and result.gs1_digital_link_uri_error is None


def _one_round(accepts: Callable[[str], bool], uris: list[str]) -> float:
    started = time.perf_counter()
    for uri in uris:
        accepts(uri)
    return time.perf_counter() - started


def measure(uris: list[str], seconds: float) -> tuple[float, float]:
    """Validations per second for (ours, biip), alternating rounds for `seconds` total."""
    spent = {"ours": 0.0, "biip": 0.0}
    rounds = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or rounds == 0:
        spent["ours"] += _one_round(ours_accepts, uris)
        spent["biip"] += _one_round(biip_accepts, uris)
        rounds += 1
    validations = rounds * len(uris)
    return validations / spent["ours"], validations / spent["biip"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()

    cases = load_json("vectors", "digital-link-cases.json")["cases"]
    uris = [case["uri"] for case in cases]
    invalid = [case for case in cases if not case["valid"]]
    valid = [case for case in cases if case["valid"]]

    for accepts in (ours_accepts, biip_accepts):  # warm-up: imports, caches
        _one_round(accepts, uris)
    ours_rate, biip_rate = measure(uris, args.seconds)

    print(f"inputs: {len(uris)} Digital Link URIs ({len(valid)} valid, {len(invalid)} invalid)")
    print(f"registry.gs1.parse_digital_link: {ours_rate:12,.0f} validations/s")
    print(f"biip.parse:                      {biip_rate:12,.0f} validations/s")
    print(f"ratio ours/biip:                 {ours_rate / biip_rate:12.2f}x")
    print()
    print("invalid inputs accepted (engine says invalid):")
    print(f"  registry.gs1: {sum(ours_accepts(c['uri']) for c in invalid):3d} of {len(invalid)}")
    print(f"  biip:         {sum(biip_accepts(c['uri']) for c in invalid):3d} of {len(invalid)}")
    print("valid inputs rejected (engine says valid):")
    print(f"  registry.gs1: {sum(not ours_accepts(c['uri']) for c in valid):3d} of {len(valid)}")
    print(f"  biip:         {sum(not biip_accepts(c['uri']) for c in valid):3d} of {len(valid)}")
    by_kind: dict[str, int] = {}
    for case in invalid:
        if biip_accepts(case["uri"]):
            by_kind[case["made_as"]] = by_kind.get(case["made_as"], 0) + 1
    print("  biip accepts, by fault:", ", ".join(f"{k} {v}" for k, v in sorted(by_kind.items())))


if __name__ == "__main__":
    main()
