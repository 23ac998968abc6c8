"""An importing market's approved list (CSV or XLSX), previewed, then applied.

One row per code and market: the code as issued, the market, its status on the list
(empty means approved), and for a code new to the registry the GLN of the growing area
or packhouse it belongs to and its details. The preview says what each row would do:
a new code, a new market approval, suspended, revoked, reinstated, unchanged, or refused
with the reason. Codes absent from the file are left as they are: a list that omits a
code does not say why, so an officer suspends it by hand, with the reason.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from registry.actor import Actor, ensure_officer
from registry.errors import InvalidInput
from registry.locations.models import Location
from registry.locations.service import find_by_gln
from registry.market_codes.models import ApprovalStatus, ChangeSource, MarketCode
from registry.market_codes.service import (
    AREA_KINDS,
    PACKHOUSE_KINDS,
    checked_code,
    find_code,
    record_code,
    set_approval,
    validate_details,
)
from registry.markets import checked_market
from registry.spreadsheets import TableLimits, read_table
from registry.vn import fold_vietnamese

MAX_IMPORT_BYTES = 2 * 1024 * 1024
IMPORT_LIMITS = TableLimits(max_rows=5000, max_unpacked_bytes=10_000_000, max_columns=32)
COLUMNS = (
    "code",
    "market",
    "status",
    "gln",
    "issuing_body",
    "crop",
    "area_ha",
    "households",
    "valid_from",
    "valid_to",
)
HEADERS = {
    "code": "Mã số",
    "market": "Thị trường",
    "status": "Trạng thái",
    "gln": "GLN địa điểm",
    "issuing_body": "Cơ quan cấp",
    "crop": "Cây trồng",
    "area_ha": "Diện tích (ha)",
    "households": "Số hộ",
    "valid_from": "Hiệu lực từ",
    "valid_to": "Hiệu lực đến",
}
_BRACKETED = re.compile(r"\(.*?\)")
COLUMN_OF_HEADER = {
    **{name: name for name in COLUMNS},
    **{fold_vietnamese(_BRACKETED.sub(" ", text)): name for name, text in HEADERS.items()},
    "ma so vung trong": "code",
    "ma so co so dong goi": "code",
    "gln": "gln",
    "dien tich": "area_ha",
}
STATUS_WORDS = {
    "": ApprovalStatus.active,
    "active": ApprovalStatus.active,
    "approved": ApprovalStatus.active,
    "hieu luc": ApprovalStatus.active,
    "con hieu luc": ApprovalStatus.active,
    "dang hieu luc": ApprovalStatus.active,
    "suspended": ApprovalStatus.suspended,
    "tam dung": ApprovalStatus.suspended,
    "revoked": ApprovalStatus.revoked,
    "thu hoi": ApprovalStatus.revoked,
}


class Outcome(enum.StrEnum):
    new = "new"
    added = "added"
    suspended = "suspended"
    revoked = "revoked"
    reinstated = "reinstated"
    unchanged = "unchanged"
    refused = "refused"


@dataclass(frozen=True)
class PlannedRow:
    row: int  # as the spreadsheet shows it: the header is row 1
    outcome: Outcome
    code: str
    market: str
    status: ApprovalStatus | None = None
    location: Location | None = None
    details: dict[str, object] = field(default_factory=dict)
    message_vi: str = ""
    message_en: str = ""


@dataclass(frozen=True)
class ImportPlan:
    digest: str  # SHA-256 of the file: what is confirmed is what was previewed
    rows: list[PlannedRow]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for row in self.rows if row.outcome is outcome)

    @property
    def changes(self) -> int:
        return sum(
            1 for row in self.rows if row.outcome not in (Outcome.unchanged, Outcome.refused)
        )


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_problem(vi: str, en: str) -> InvalidInput:
    return InvalidInput(vi, en, field="file")


def _header_fields(header: list[str]) -> list[str | None]:
    return [
        COLUMN_OF_HEADER.get(fold_vietnamese(_BRACKETED.sub(" ", name))) if name else None
        for name in header
    ]


def plan_import(session: Session, *, data: bytes) -> ImportPlan:
    """What the file would change; nothing is written."""
    if len(data) > MAX_IMPORT_BYTES:
        raise _file_problem("Tệp lớn hơn 2 MB.", "The file is larger than 2 MB.")
    table = list(read_table(data, limits=IMPORT_LIMITS))
    if not table:
        raise _file_problem("Tệp trống.", "The file is empty.")
    fields = _header_fields(table[0])
    if "code" not in fields or "market" not in fields:
        raise _file_problem(
            "Dòng đầu phải là tên các cột, có ít nhất “Mã số” và “Thị trường”. Cột dùng được: "
            + ", ".join(HEADERS.values())
            + ".",
            "The first row must name the columns, at least code and market. Columns: "
            + ", ".join(COLUMNS)
            + ".",
        )
    unknown = [name for name, found in zip(table[0], fields, strict=True) if name and not found]
    if unknown:
        raise _file_problem(
            f"Không hiểu tên cột: {', '.join(unknown)[:300]}.",
            f"Unknown columns: {', '.join(unknown)[:300]}.",
        )
    seen: set[tuple[str, str]] = set()
    # Codes this file creates, so a second market's row of the same code adds to it.
    created: dict[str, Location] = {}
    planned = []
    for number, cells in enumerate(table[1:], start=2):
        values = {name: cell for name, cell in zip(fields, cells, strict=False) if name is not None}
        if not any(values.values()):
            continue
        planned.append(_plan_row(session, number, values, seen, created))
    if not planned:
        raise _file_problem("Tệp không có dòng dữ liệu nào.", "The file has no data rows.")
    return ImportPlan(digest=file_digest(data), rows=planned)


def _plan_row(
    session: Session,
    number: int,
    values: dict[str, str],
    seen: set[tuple[str, str]],
    created: dict[str, Location],
) -> PlannedRow:
    code_text, market_text = values.get("code", ""), values.get("market", "")
    try:
        code = checked_code(code_text)
        market = checked_market(market_text, field="market")
        status = STATUS_WORDS.get(fold_vietnamese(values.get("status", "")))
        if status is None:
            raise InvalidInput(
                "Trạng thái phải là: hiệu lực, tạm dừng hoặc thu hồi.",
                "The status must be active, suspended or revoked.",
                field="status",
            )
        if (code, market) in seen:
            raise InvalidInput(
                "Mã số và thị trường này đã có ở một dòng trước trong tệp.",
                "This code and market are already on an earlier row of the file.",
                field="code",
            )
        seen.add((code, market))
        existing = find_code(session, code)
        location = _row_location(session, values.get("gln", ""), existing, created.get(code))
        if existing is None and code not in created:
            if location is None:
                raise InvalidInput(
                    "Mã số mới: cần GLN của vùng trồng hoặc cơ sở đóng gói được cấp mã.",
                    "A new code needs the GLN of the growing area or packhouse it was issued to.",
                    field="gln",
                )
            details = _details(values)
            created[code] = location
            return PlannedRow(number, Outcome.new, code, market, status, location, details)
        return _status_row(number, code, market, status, existing, location)
    except InvalidInput as problem:
        return PlannedRow(
            number,
            Outcome.refused,
            code_text[:64],
            market_text[:8],
            message_vi=problem.message_vi,
            message_en=problem.message_en,
        )


def _row_location(
    session: Session, gln: str, existing: MarketCode | None, created: Location | None
) -> Location | None:
    holder = existing.location if existing is not None else created
    if not gln.strip():
        return holder
    location = find_by_gln(session, gln.strip())
    if location is None or location.kind not in AREA_KINDS | PACKHOUSE_KINDS:
        raise InvalidInput(
            f"GLN {gln.strip()[:20]} không phải vùng trồng hay cơ sở đóng gói nào trong hệ thống.",
            f"GLN {gln.strip()[:20]} is no growing area or packhouse in the registry.",
            field="gln",
        )
    if holder is not None and holder.id != location.id:
        # The same code claimed by a second place: how a borrowed code shows up.
        raise InvalidInput(
            f"Mã số này đã ghi cho địa điểm khác ({holder.name}, GLN {holder.gln}).",
            f"This code is recorded for another location ({holder.name}, GLN {holder.gln}).",
            field="gln",
        )
    return location


def _status_row(
    number: int,
    code: str,
    market: str,
    status: ApprovalStatus,
    existing: MarketCode | None,
    location: Location | None,
) -> PlannedRow:
    approval = (
        next((a for a in existing.approvals if a.market == market), None) if existing else None
    )
    if approval is None:
        outcome = Outcome.added
    elif approval.status is status:
        outcome = Outcome.unchanged
    elif status is ApprovalStatus.active:
        outcome = Outcome.reinstated
    else:
        outcome = Outcome(status.value)
    return PlannedRow(number, outcome, code, market, status, location)


def parse_number(text: str, field: str) -> Decimal | None:
    cleaned = text.strip().replace(" ", "")
    if not cleaned:
        return None
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:
        raise InvalidInput(
            f"'{text[:20]}' không phải là số.", f"'{text[:20]}' is not a number.", field=field
        ) from exc


def parse_day(text: str, field: str) -> dt.date | None:
    value = text.strip()
    if not value:
        return None
    try:
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", value):
            day, month, year = (int(part) for part in value.split("/"))
            return dt.date(year, month, day)
        return dt.date.fromisoformat(value[:10])  # XLSX dates read as "2026-01-01 00:00:00"
    except ValueError as exc:
        raise InvalidInput(
            f"Ngày '{value[:20]}' không hợp lệ (dd/mm/yyyy hoặc yyyy-mm-dd).",
            f"The date '{value[:20]}' is not valid (dd/mm/yyyy or yyyy-mm-dd).",
            field=field,
        ) from exc


def parse_households(text: str) -> int | None:
    value = parse_number(text, "households")
    if value is None:
        return None
    if value != value.to_integral_value():
        raise InvalidInput(
            "Số hộ phải là số nguyên.", "Households must be a whole number.", field="households"
        )
    return int(value)


def _details(values: dict[str, str]) -> dict[str, object]:
    details: dict[str, object] = {
        "issuing_body": values.get("issuing_body", "").strip(),
        "crop": values.get("crop", "").strip(),
        "area_ha": parse_number(values.get("area_ha", ""), "area_ha"),
        "households": parse_households(values.get("households", "")),
        "valid_from": parse_day(values.get("valid_from", ""), "valid_from"),
        "valid_to": parse_day(values.get("valid_to", ""), "valid_to"),
    }
    validate_details(**details)  # type: ignore[arg-type]
    return details


@dataclass(frozen=True)
class ImportResult:
    applied: int
    refused: int


def apply_import(
    session: Session, *, actor: Actor, plan: ImportPlan, source_name: str
) -> ImportResult:
    """Apply the previewed rows (refused and unchanged ones aside), each change in the
    code's history and the audit log with the file named as the reason."""
    ensure_officer(actor)
    reason = f"Nhập danh sách / list import: {source_name[:200] or '—'}"
    applied = 0
    for row in plan.rows:
        if row.outcome in (Outcome.unchanged, Outcome.refused) or row.status is None:
            continue
        if row.outcome is Outcome.new:
            assert row.location is not None
            record_code(
                session,
                actor=actor,
                location=row.location,
                code=row.code,
                markets=[],
                reason=reason,
                source=ChangeSource.imported,
                **row.details,  # type: ignore[arg-type]
            )
        market_code = find_code(session, row.code)
        assert market_code is not None
        set_approval(
            session,
            actor=actor,
            market_code=market_code,
            market=row.market,
            status=row.status,
            reason=reason,
            source=ChangeSource.imported,
        )
        applied += 1
    return ImportResult(applied=applied, refused=plan.count(Outcome.refused))
