"""Import limits benchmark: how long a hostile spreadsheet takes to be refused, against
reading an honest one of the largest size allowed, in one run.

    .venv/bin/python bench/bench_imports.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openpyxl import Workbook

from registry.errors import InvalidInput
from registry.population.service import REGISTER_LIMITS
from registry.spreadsheets import TableLimits, read_table
from service.pages.portal.imports import IMPORT_LIMITS
from tests.hostile_tables import declared_rows, many_identical_rows, skipped_rows


def honest_products(rows: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["name_vi", "name_en", "brand", "net_content"])
    for index in range(rows):
        sheet.append([f"Xoài cát Hoà Lộc {index}", "Hoa Loc mango", "Mỹ Xương", "500 g"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def seconds(data: bytes, limits: TableLimits, repeat: int) -> tuple[float, str]:
    times, outcome = [], ""
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            outcome = f"read {sum(1 for _ in read_table(data, limits=limits))} rows"
        except InvalidInput as error:
            outcome = f"refused: {error.message_en}"
        times.append(time.perf_counter() - started)
    return statistics.median(times), outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files: dict[str, Callable[[], bytes]] = {
        "3M identical rows, no dimension": lambda: many_identical_rows("name_vi"),
        "3M rows declared": lambda: declared_rows("name_vi"),
        "row 3,000,000 after the header": lambda: skipped_rows("name_vi"),
        "honest 5,000 product rows": lambda: honest_products(5000),
    }
    results = []
    for name, make in files.items():
        data = make()
        for importer, limits in (("products", IMPORT_LIMITS), ("register", REGISTER_LIMITS)):
            median, outcome = seconds(data, limits, args.repeat)
            results.append(
                {"file": name, "bytes": len(data), "importer": importer,
                 "seconds": round(median, 4), "outcome": outcome}
            )  # fmt: skip
    print(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
