"""Regenerate admin_units.json from the PyPI package `vietnam-provinces`.

What goes in:
- every province of Vietnam, current (34, from 1 July 2025) and superseded (63);
- every ward, commune and special zone of the provinces named by --province
  (default: Đồng Tháp, GSO 82), and every superseded district and ward whose
  territory went into them, each with its successor codes.

The old→new mapping is the GSO conversion table shipped by vietnam-provinces from
release 2026.1 on (`vietnam_provinces.legacy` and `Ward.get_legacy_sources()`).
Those releases declare Python ≥ 3.12 but their data modules import on 3.11, so a
downloaded wheel can be used without installing it:

    .venv/bin/pip download --no-deps --only-binary=:all: --python-version 3.12 \\
        "vietnam-provinces>=2026.1" -d /tmp/vp
    .venv/bin/python registry/vn/data/build_admin_units.py \\
        --package /tmp/vp/vietnam_provinces-*.whl

Without --package, the installed vietnam-provinces is used (it must have the legacy data).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

OUTPUT = Path(__file__).with_name("admin_units.json")

# Resolution 202/2025/QH15 (provinces) and the ward-level resolutions of the National
# Assembly Standing Committee all took effect on 1 July 2025; the district level ended then.
REFORM_ON = "2025-07-01"

# vietnam-provinces division types → our levels.
LEVEL_OF_DIVISION_TYPE = {
    "tỉnh": "province",
    "thành phố trung ương": "municipality",
    "huyện": "district",
    "quận": "urban_district",
    "thành phố": "provincial_city",
    "thị xã": "town",
    "xã": "commune",
    "phường": "ward",
    "thị trấn": "township",
    "đặc khu": "special_zone",
}
# Names carry their type in front ("Huyện Cái Bè"); we keep the bare name.
NAME_PREFIXES = (
    "Thành phố",
    "Thị trấn",
    "Thị xã",
    "Đặc khu",
    "Tỉnh",
    "Huyện",
    "Quận",
    "Phường",
    "Xã",
)

# GSO codes are fixed-width: 2 digits for provinces, 3 for districts, 5 for wards.
PROVINCE_WIDTH, DISTRICT_WIDTH, WARD_WIDTH = 2, 3, 5


@dataclass
class UnitRow:
    code: str
    name: str
    level: str
    parent: str | None
    valid_from: str | None
    valid_until: str | None
    successors: list[str]

    def as_json(self) -> str:
        return json.dumps(
            {
                "code": self.code,
                "name": self.name,
                "level": self.level,
                "parent": self.parent,
                "from": self.valid_from,
                "until": self.valid_until,
                "successors": self.successors,
            },
            ensure_ascii=False,
        )


def bare_name(name: str) -> str:
    for prefix in NAME_PREFIXES:
        if name.startswith(prefix + " "):
            return name[len(prefix) + 1 :]
    return name


def level_of(division: Any) -> str:
    return LEVEL_OF_DIVISION_TYPE[str(division.division_type.value)]


def gso(code: Any, width: int) -> str:
    return str(int(code)).zfill(width)


def superseded_code(gso_code: str) -> str:
    """A superseded unit's key: its GSO code and the day it ended (GSO codes get reused)."""
    return f"{gso_code}@{REFORM_ON}"


def import_package(package_path: str | None) -> tuple[ModuleType, ModuleType, str]:
    if package_path:
        sys.path.insert(0, package_path)
    current = importlib.import_module("vietnam_provinces")
    try:
        legacy = importlib.import_module("vietnam_provinces.legacy")
    except ModuleNotFoundError:
        sys.exit(
            f"vietnam-provinces {current.__version__} has no legacy (pre-2025) data; "
            "pass --package with a release ≥ 2026.1 (see this script's docstring)"
        )
    return current, legacy, str(current.__version__)


def build(current: ModuleType, legacy: ModuleType, ward_provinces: list[str]) -> list[UnitRow]:
    rows: list[UnitRow] = []
    new_ward_province: dict[str, str] = {}
    for ward in current.Ward.iter_all():
        new_ward_province[gso(ward.code, WARD_WIDTH)] = gso(ward.province_code, PROVINCE_WIDTH)

    for province in current.Province.iter_all():
        rows.append(
            UnitRow(
                code=gso(province.code, PROVINCE_WIDTH),
                name=bare_name(province.name),
                level=level_of(province),
                parent=None,
                valid_from=REFORM_ON,
                valid_until=None,
                successors=[],
            )
        )

    new_wards_of_old_ward: dict[str, list[str]] = defaultdict(list)
    for ward in current.Ward.iter_all():
        for old in ward.get_legacy_sources():
            new_wards_of_old_ward[gso(old.code, WARD_WIDTH)].append(gso(ward.code, WARD_WIDTH))

    old_district_province = {
        gso(d.code, DISTRICT_WIDTH): gso(d.province_code, PROVINCE_WIDTH)
        for d in legacy.District.iter_all()
    }
    old_ward_district = {
        gso(w.code, WARD_WIDTH): gso(w.district_code, DISTRICT_WIDTH)
        for w in legacy.Ward.iter_all()
    }

    # The conversion table's own province column has slips; the legacy hierarchy
    # (ward → district → province) and the current ward list are the authority.
    new_provinces_of_old_province: dict[str, set[str]] = defaultdict(set)
    for old_ward, new_wards in new_wards_of_old_ward.items():
        old_province = old_district_province[old_ward_district[old_ward]]
        new_provinces_of_old_province[old_province].update(new_ward_province[w] for w in new_wards)

    for province in legacy.Province.iter_all():
        code = gso(province.code, PROVINCE_WIDTH)
        rows.append(
            UnitRow(
                code=superseded_code(code),
                name=bare_name(province.name),
                level=level_of(province),
                parent=None,
                valid_from=None,
                valid_until=REFORM_ON,
                successors=sorted(new_provinces_of_old_province[code]),
            )
        )

    kept_new_wards = {w for w, p in new_ward_province.items() if p in ward_provinces}
    kept_old_wards = {
        old for old, new in new_wards_of_old_ward.items() if kept_new_wards.intersection(new)
    }
    # A split old ward may reach beyond the chosen provinces: keep its other successors too.
    for old in kept_old_wards:
        kept_new_wards.update(new_wards_of_old_ward[old])
    kept_old_districts = {old_ward_district[w] for w in kept_old_wards}

    for ward in current.Ward.iter_all():
        code = gso(ward.code, WARD_WIDTH)
        if code in kept_new_wards:
            rows.append(
                UnitRow(
                    code=code,
                    name=bare_name(ward.name),
                    level=level_of(ward),
                    parent=new_ward_province[code],
                    valid_from=REFORM_ON,
                    valid_until=None,
                    successors=[],
                )
            )

    new_wards_of_old_district: dict[str, set[str]] = defaultdict(set)
    for old_ward, new_wards in new_wards_of_old_ward.items():
        new_wards_of_old_district[old_ward_district[old_ward]].update(new_wards)

    for district in legacy.District.iter_all():
        code = gso(district.code, DISTRICT_WIDTH)
        if code in kept_old_districts:
            rows.append(
                UnitRow(
                    code=superseded_code(code),
                    name=bare_name(district.name),
                    level=level_of(district),
                    parent=superseded_code(old_district_province[code]),
                    valid_from=None,
                    valid_until=REFORM_ON,
                    successors=sorted(new_wards_of_old_district[code]),
                )
            )

    for ward in legacy.Ward.iter_all():
        code = gso(ward.code, WARD_WIDTH)
        if code in kept_old_wards:
            rows.append(
                UnitRow(
                    code=superseded_code(code),
                    name=bare_name(ward.name),
                    level=level_of(ward),
                    parent=superseded_code(old_ward_district[code]),
                    valid_from=None,
                    valid_until=REFORM_ON,
                    successors=list(dict.fromkeys(new_wards_of_old_ward[code])),
                )
            )
    return rows


def check_references(rows: list[UnitRow]) -> None:
    codes = {row.code for row in rows}
    if len(codes) != len(rows):
        raise SystemExit("duplicate unit codes")
    for row in rows:
        for ref in [row.parent, *row.successors]:
            if ref is not None and ref not in codes:
                raise SystemExit(f"{row.code} refers to {ref}, which is not in the data")


def write(rows: list[UnitRow], *, source: str, output: Path) -> None:
    header = {
        "source": source,
        "generated_by": "registry/vn/data/build_admin_units.py",
        "reform_on": REFORM_ON,
        "code_scheme": "current units: GSO code; superseded units: GSO code@day it ended",
    }
    lines = ["{"]
    lines += [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in header.items()]
    lines.append('  "units": [')
    lines.append(",\n".join("    " + row.as_json() for row in rows))
    lines.append("  ]")
    lines.append("}")
    output.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", help="a vietnam-provinces wheel or folder to import from")
    parser.add_argument(
        "--province",
        action="append",
        help="GSO code of a current province whose wards to include (repeatable; default 82)",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    current, legacy, version = import_package(args.package)
    ward_provinces = [code.zfill(PROVINCE_WIDTH) for code in (args.province or ["82"])]
    rows = build(current, legacy, ward_provinces)
    check_references(rows)
    write(rows, source=f"vietnam-provinces {version} (GSO codes)", output=args.output)
    print(f"{len(rows)} units → {args.output}")


if __name__ == "__main__":
    main()
