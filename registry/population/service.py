"""Importing the business register from a CSV or XLSX file.

The register is a snapshot: an import replaces the previous one. Rows that cannot be
used are skipped and reported with their line number; the rest go in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.audit.service import record_change
from registry.enterprises.models import EnterpriseKind
from registry.errors import InvalidInput
from registry.places.models import AdminUnit
from registry.population.models import PopulationEntry
from registry.spreadsheets import TableLimits, read_table
from registry.vn import VNRuleError, fold_vietnamese, parse_tax_code

PROVINCE_CODE = "82"
# 200,000 register lines written with inline strings (as openpyxl writes them) unpack to
# 96 MB; Excel's shared strings take less. Only agency staff import the register.
REGISTER_LIMITS = TableLimits(max_rows=200_000, max_unpacked_bytes=200_000_000)

# Header names as registers spell them, folded (no diacritics, lower case).
_HEADERS: dict[str, tuple[str, ...]] = {
    "tax_code": ("ma so thue", "mst", "ma so doanh nghiep", "tax code", "tax_code", "tax id"),
    "name": ("ten", "ten doanh nghiep", "ten co so", "ten ho kinh doanh", "name", "legal name"),
    "ward": (
        "phuong/xa",
        "phuong xa",
        "xa/phuong",
        "xa phuong",
        "ma phuong xa",
        "dia ban",
        "ward",
        "ward_code",
        "ward code",
        "commune",
    ),
    "sector": ("nganh", "nganh nghe", "nganh kinh doanh", "linh vuc", "sector", "industry"),
    "kind": ("loai hinh", "loai hinh doanh nghiep", "kind", "type"),
}
_KINDS: dict[str, EnterpriseKind] = {
    "cong ty": EnterpriseKind.company,
    "doanh nghiep": EnterpriseKind.company,
    "company": EnterpriseKind.company,
    "hop tac xa": EnterpriseKind.cooperative,
    "htx": EnterpriseKind.cooperative,
    "cooperative": EnterpriseKind.cooperative,
    "ho kinh doanh": EnterpriseKind.household,
    "household": EnterpriseKind.household,
}


@dataclass(frozen=True)
class SkippedRow:
    line: int
    reason_vi: str
    reason_en: str


@dataclass
class ImportResult:
    imported: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)
    unmatched_wards: int = 0


@dataclass(frozen=True)
class RegisterState:
    entries: int
    imported_at: dt.datetime | None


def register_state(session: Session) -> RegisterState:
    """How many businesses the loaded register lists, and when it was loaded."""
    entries = session.scalar(select(func.count()).select_from(PopulationEntry)) or 0
    imported_at = session.scalar(select(PopulationEntry.imported_at).limit(1))
    return RegisterState(int(entries), imported_at)


def _column_map(header: list[str]) -> dict[str, int]:
    folded = [fold_vietnamese(h) for h in header]
    columns: dict[str, int] = {}
    for name, spellings in _HEADERS.items():
        for index, text in enumerate(folded):
            if text in spellings and name not in columns:
                columns[name] = index
    missing = [n for n in ("tax_code", "name") if n not in columns]
    if missing:
        raise InvalidInput(
            "Thiếu cột bắt buộc: mã số thuế và tên (dòng tiêu đề đầu tiên).",
            "Required columns are missing: tax code and name (first header row).",
            field="file",
        )
    return columns


def _ward_index(session: Session) -> tuple[set[str], dict[str, str]]:
    units = session.execute(
        select(AdminUnit.code, AdminUnit.name, AdminUnit.search_name).where(
            AdminUnit.parent_code == PROVINCE_CODE, AdminUnit.valid_until.is_(None)
        )
    ).all()
    by_name: dict[str, str] = {}
    for code, name, search_name in units:
        by_name[search_name] = code
        by_name.setdefault(fold_vietnamese(name), code)
    return {code for code, _, _ in units}, by_name


def _kind_of(text: str, tax_code_kind: str) -> str | None:
    folded = fold_vietnamese(text)
    for prefix, kind in _KINDS.items():
        if folded.startswith(prefix):
            return kind.value
    return EnterpriseKind.household.value if tax_code_kind == "personal_id12" else None


def import_population(session: Session, *, actor: Actor, data: bytes) -> ImportResult:
    """Replace the register with the rows of a CSV or XLSX file."""
    actor.ensure_agency()
    rows = read_table(data, limits=REGISTER_LIMITS)
    header = next(rows, None)
    if header is None:
        raise InvalidInput("Tệp rỗng.", "The file is empty.", field="file")
    columns = _column_map(header)
    codes, names = _ward_index(session)
    result = ImportResult()
    entries: dict[str, dict[str, object]] = {}

    def cell(row: list[str], name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    for line, row in enumerate(rows, start=2):
        if not any(v.strip() for v in row):
            continue
        try:
            tax_code = parse_tax_code(cell(row, "tax_code"))
        except VNRuleError as error:
            result.skipped.append(SkippedRow(line, error.message_vi, error.message_en))
            continue
        name = cell(row, "name")
        if not name:
            result.skipped.append(SkippedRow(line, "Thiếu tên.", "The name is missing."))
            continue
        if tax_code.value in entries:
            result.skipped.append(
                SkippedRow(line, "Mã số thuế bị trùng.", "The tax code appears twice.")
            )
            continue
        ward_text = cell(row, "ward")
        ward_code = ward_text if ward_text in codes else names.get(fold_vietnamese(ward_text))
        if ward_text and ward_code is None:
            result.unmatched_wards += 1
        entries[tax_code.value] = {
            "tax_code": tax_code.value,
            "name": name[:300],
            "ward_code": ward_code,
            "ward_text": ward_text[:200] or None,
            "sector": cell(row, "sector")[:120] or None,
            "kind": _kind_of(cell(row, "kind"), tax_code.kind),
        }
    before = session.scalar(select(func.count()).select_from(PopulationEntry)) or 0
    session.execute(delete(PopulationEntry))
    if entries:
        session.execute(insert(PopulationEntry), list(entries.values()))
    result.imported = len(entries)
    record_change(
        session,
        actor=actor,
        action="import",
        entity="population",
        entity_id="register",
        before={"entries": before},
        after={"entries": result.imported, "skipped": len(result.skipped)},
    )
    session.flush()
    return result
