"""Planting-area and packing-house codes, what they allow, and the export guard.

A lot for an importing market (`Lot.export_market`) must come from a growing area
whose code is approved and active for that market on the harvest date
(`Lot.production_on`), be packed at a packhouse whose code is too, and not push the
quantity declared against the area in the season past the area × the crop's yield
ceiling. Status is the approval's status now: a code suspended today stops every
export lot and step from today on, whatever its harvest date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NoReturn

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from registry.actor import REASON_MAX_LENGTH, Actor, ensure_officer, not_found
from registry.audit.service import apply_changes, record_change, refuse_unknown_fields, snapshot
from registry.db import utcnow
from registry.errors import Conflict, InvalidInput
from registry.locations.models import Location, LocationKind
from registry.lots.models import Lot
from registry.market_codes.boundary import checked_geojson
from registry.market_codes.guard import Attempt, ExportGuardRefused
from registry.market_codes.models import (
    CODE_LENGTH,
    ApprovalStatus,
    ChangeSource,
    GuardRefusal,
    MarketApproval,
    MarketCode,
    MarketCodeChange,
    YieldCeiling,
)
from registry.markets import checked_market, market_names
from registry.text import format_quantity, text_problem

AREA_KINDS = frozenset({LocationKind.growing_area, LocationKind.farm})
PACKHOUSE_KINDS = frozenset({LocationKind.packhouse})
# UN/ECE Recommendation 20 codes an export lot may be declared in, as kilograms.
KILOGRAMS_PER_UNIT = {"KGM": Decimal(1), "TNE": Decimal(1000)}


def crop_key(crop: str) -> str:
    return re.sub(r"\s+", " ", crop).strip().casefold()


def active_code(
    session: Session, *, location_id: int, market: str, on: dt.date
) -> MarketCode | None:
    """The location's code that is approved and active for the market, valid on the date."""
    return session.scalar(
        select(MarketCode)
        .join(MarketApproval, MarketApproval.market_code_id == MarketCode.id)
        .where(
            MarketCode.location_id == location_id,
            MarketApproval.market == market,
            MarketApproval.status == ApprovalStatus.active,
            or_(MarketCode.valid_from.is_(None), MarketCode.valid_from <= on),
            or_(MarketCode.valid_to.is_(None), MarketCode.valid_to >= on),
        )
        .order_by(MarketCode.valid_from.desc(), MarketCode.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class LotExportCodes:
    """What an export mark prints: the market and the codes active for it."""

    market: str
    growing_area_name: str
    growing_area_code: str | None
    packhouse_name: str | None
    packhouse_code: str | None


def export_codes_for_lot(session: Session, lot: Lot) -> LotExportCodes | None:
    """The lot's growing-area and packhouse codes for its market (None: not an export lot)."""
    if lot.export_market is None:
        return None
    on = lot.production_on or dt.date.today()
    area = session.get(Location, lot.origin_location_id) if lot.origin_location_id else None
    packhouse = (
        session.get(Location, lot.packhouse_location_id) if lot.packhouse_location_id else None
    )

    def code_of(location: Location | None) -> str | None:
        if location is None:
            return None
        found = active_code(session, location_id=location.id, market=lot.export_market or "", on=on)
        return found.code if found else None

    return LotExportCodes(
        market=lot.export_market,
        growing_area_name=area.name if area else "",
        growing_area_code=code_of(area),
        packhouse_name=packhouse.name if packhouse else None,
        packhouse_code=code_of(packhouse),
    )


@dataclass(frozen=True)
class _Role:
    """A growing area or a packhouse, as the guard's messages name them."""

    rule_prefix: str
    code_vi: str
    code_en: str
    place_vi: str
    place_en: str


AREA = _Role("area", "Mã số vùng trồng", "The planting-area code", "vùng trồng", "growing area")
PACKHOUSE = _Role(
    "packhouse", "Mã số cơ sở đóng gói", "The packing-house code", "cơ sở đóng gói", "packhouse"
)


def _date_vi(on: dt.date) -> str:
    return on.strftime("%d/%m/%Y")


def check_export_lot(
    session: Session, lot: Lot, *, actor: Actor | None = None, attempt: str = "lot"
) -> None:
    """Refuse an export lot whose codes or declared quantity do not hold up.

    Raises ExportGuardRefused (422) naming the code, the market and the date;
    `attempt` ("lot", "pack", "shipping", "consignment"…) says what was refused.
    Nothing for a lot without an export market.
    """
    if lot.export_market is None:
        return
    market = lot.export_market
    market_vi, market_en = market_names(market)
    refusal = _Refusal(lot, market, actor, attempt)

    area = session.get(Location, lot.origin_location_id) if lot.origin_location_id else None
    if area is None or area.kind not in AREA_KINDS:
        refusal.fail(
            "area_missing",
            None,
            f"Lô xuất khẩu sang {market_vi} phải ghi vùng trồng (địa điểm loại vùng trồng"
            " hoặc trang trại) có mã số vùng trồng.",
            f"A lot exported to {market_en} must name its growing area (a location of kind"
            " growing area or farm) that holds a planting-area code.",
            field="origin_location_id",
        )
    if lot.production_on is None:
        refusal.fail(
            "harvest_date_missing",
            None,
            f"Lô xuất khẩu sang {market_vi} phải có ngày thu hoạch (ngày sản xuất).",
            f"A lot exported to {market_en} must have its harvest (production) date.",
            field="production_on",
        )
    on = lot.production_on
    area_code = _require_code(session, refusal, AREA, area, on, field="origin_location_id")

    packhouse = (
        session.get(Location, lot.packhouse_location_id) if lot.packhouse_location_id else None
    )
    if packhouse is None or packhouse.kind not in PACKHOUSE_KINDS:
        refusal.fail(
            "packhouse_missing",
            None,
            f"Lô xuất khẩu sang {market_vi} phải ghi cơ sở đóng gói (địa điểm loại"
            " cơ sở đóng gói) có mã số cơ sở đóng gói.",
            f"A lot exported to {market_en} must name its packhouse (a location of kind"
            " packhouse) that holds a packing-house code.",
            field="packhouse_location_id",
        )
    _require_code(session, refusal, PACKHOUSE, packhouse, on, field="packhouse_location_id")

    kilograms = _lot_kilograms(lot)
    if kilograms is None:
        refusal.fail(
            "unit",
            None,
            f"Lô xuất khẩu sang {market_vi} phải khai số lượng theo kg (KGM) hoặc tấn (TNE)"
            " để đối chiếu với sản lượng tối đa của vùng trồng.",
            f"A lot exported to {market_en} must declare its quantity in kilograms (KGM) or"
            " tonnes (TNE), to be checked against the growing area's yield ceiling.",
            field="unit" if lot.quantity is not None else "quantity",
        )
    _check_season_quantity(session, refusal, lot, area, area_code, kilograms)


class _Refusal:
    def __init__(self, lot: Lot, market: str, actor: Actor | None, what: str) -> None:
        self.market = market
        self.attempt = Attempt(
            enterprise_id=lot.product.enterprise_id,
            lot_id=lot.id,
            product_id=lot.product_id,
            lot_code=lot.code,
            market=market,
            what=what,
            actor=actor.label if actor else "",
        )

    def fail(self, rule: str, code: str | None, vi: str, en: str, *, field: str) -> NoReturn:
        raise ExportGuardRefused(vi, en, field=field, rule=rule, code=code, attempt=self.attempt)


def _require_code(
    session: Session,
    refusal: _Refusal,
    role: _Role,
    location: Location,
    on: dt.date,
    *,
    field: str,
) -> MarketCode:
    market = refusal.market
    found = active_code(session, location_id=location.id, market=market, on=on)
    if found is not None:
        return found
    market_vi, market_en = market_names(market)
    codes = list(session.scalars(select(MarketCode).where(MarketCode.location_id == location.id)))
    place_vi = f"{role.place_vi} {location.name}"
    place_en = f"{role.place_en} {location.name}"
    if not codes:
        refusal.fail(
            f"{role.rule_prefix}_no_code",
            None,
            f"{place_vi[0].upper()}{place_vi[1:]} chưa có mã số được ghi nhận, nên không xuất"
            f" được sang {market_vi}.",
            f"The {place_en} has no recorded code, so it cannot export to {market_en}.",
            field=field,
        )
    approved = [(code, a) for code in codes for a in code.approvals if a.market == market]
    if not approved:
        names = ", ".join(code.code for code in codes)
        refusal.fail(
            f"{role.rule_prefix}_wrong_market",
            codes[0].code,
            f"{role.code_vi} {names} của {place_vi} chưa được thị trường {market_vi} chấp thuận.",
            f"{role.code_en} {names} of the {place_en} is not approved for {market_en}.",
            field=field,
        )
    active = [code for code, a in approved if a.status is ApprovalStatus.active]
    if not active:
        code, approval = approved[0]
        status_vi = "bị thu hồi" if approval.status is ApprovalStatus.revoked else "bị tạm dừng"
        refusal.fail(
            f"{role.rule_prefix}_{approval.status.value}",
            code.code,
            f"{role.code_vi} {code.code} của {place_vi} đã {status_vi} với thị trường"
            f" {market_vi}; ngày thu hoạch {_date_vi(on)}.",
            f"{role.code_en} {code.code} of the {place_en} is {approval.status.value} for"
            f" {market_en}; harvest date {on.isoformat()}.",
            field=field,
        )
    code = active[0]
    span_vi = f"từ {_date_vi(code.valid_from) if code.valid_from else '…'} đến " + (
        _date_vi(code.valid_to) if code.valid_to else "…"
    )
    span_en = f"from {code.valid_from.isoformat() if code.valid_from else '…'} to " + (
        code.valid_to.isoformat() if code.valid_to else "…"
    )
    expired = code.valid_to is not None and code.valid_to < on
    refusal.fail(
        f"{role.rule_prefix}_{'expired' if expired else 'not_yet_valid'}",
        code.code,
        f"{role.code_vi} {code.code} của {place_vi} chỉ có hiệu lực với thị trường {market_vi}"
        f" {span_vi}, không gồm ngày thu hoạch {_date_vi(on)}.",
        f"{role.code_en} {code.code} of the {place_en} is valid for {market_en} only"
        f" {span_en}, which does not include the harvest date {on.isoformat()}.",
        field=field,
    )


def _lot_kilograms(lot: Lot) -> Decimal | None:
    factor = KILOGRAMS_PER_UNIT.get(lot.unit or "")
    if lot.quantity is None or factor is None:
        return None
    return lot.quantity * factor


def season_of(on: dt.date, *, start_month: int) -> tuple[dt.date, dt.date]:
    """The twelve months from the first day of `start_month` that hold `on` (end exclusive)."""
    year = on.year if on.month >= start_month else on.year - 1
    return dt.date(year, start_month, 1), dt.date(year + 1, start_month, 1)


def _check_season_quantity(
    session: Session,
    refusal: _Refusal,
    lot: Lot,
    area: Location,
    code: MarketCode,
    kilograms: Decimal,
) -> None:
    ceiling = session.scalar(
        select(YieldCeiling).where(YieldCeiling.crop_key == crop_key(code.crop))
    )
    if ceiling is None or code.area_ha is None or lot.production_on is None:
        return
    start, end = season_of(lot.production_on, start_month=ceiling.season_start_month)
    # Two export lots from the area at once: the second waits here for the first to end and
    # then counts it (a row lock on PostgreSQL; SQLite has one writer at a time anyway).
    session.execute(select(Location.id).where(Location.id == area.id).with_for_update())
    others = select(Lot.quantity, Lot.unit).where(
        Lot.origin_location_id == area.id,
        Lot.export_market.is_not(None),
        Lot.production_on >= start,
        Lot.production_on < end,
    )
    if lot.id is not None:
        others = others.where(Lot.id != lot.id)
    declared = kilograms
    for quantity, unit in session.execute(others):
        factor = KILOGRAMS_PER_UNIT.get(unit or "")
        if quantity is not None and factor is not None:
            declared += quantity * factor
    limit = code.area_ha * ceiling.tonnes_per_ha * 1000
    if declared <= limit:
        return
    last = end - dt.timedelta(days=1)
    refusal.fail(
        "quantity_ceiling",
        code.code,
        f"Sản lượng khai báo cho vùng trồng {code.code} ({area.name}) trong mùa vụ"
        f" {_date_vi(start)}–{_date_vi(last)} là {_kg(declared)} kg, vượt mức tối đa"
        f" {_kg(limit)} kg ({_kg(code.area_ha)} ha × {_kg(ceiling.tonnes_per_ha)} tấn/ha"
        f" {ceiling.crop}); thị trường {market_names(refusal.market)[0]}.",
        f"The quantity declared against planting-area code {code.code} ({area.name}) in the"
        f" season {start.isoformat()} to {last.isoformat()} is {declared.normalize():f} kg,"
        f" more than the ceiling of {limit.normalize():f} kg ({code.area_ha.normalize():f} ha ×"
        f" {ceiling.tonnes_per_ha.normalize():f} t/ha of {ceiling.crop}); market"
        f" {market_names(refusal.market)[1]}.",
        field="quantity",
    )


def _kg(value: Decimal) -> str:
    return format_quantity(value)


# --- What officers record -------------------------------------------------------------

WHAT = ("mã số vùng trồng / cơ sở đóng gói", "market code")
EDITABLE = [
    "issuing_body",
    "crop",
    "area_ha",
    "households",
    "boundary",
    "valid_from",
    "valid_to",
]
SNAPSHOT = ["location_id", "code", *EDITABLE]
# Numeric(12, 4): a hundred thousand hectares is more than a province's fruit land.
MAX_AREA_HA = Decimal(100_000)
MAX_HOUSEHOLDS = 1_000_000
MAX_TONNES_PER_HA = Decimal(1000)


def checked_code(value: str, *, field: str = "code") -> str:
    """A code exactly as issued (no format assumed): trimmed, one line, ≤ 64 characters."""
    code = value.strip()
    if not code:
        raise InvalidInput("Cần nhập mã số.", "Enter the code.", field=field)
    problem = text_problem(field, code, max_length=CODE_LENGTH)
    if problem is not None:
        raise InvalidInput(problem.message_vi, problem.message_en, field=field)
    if any(character in code for character in "\t\r\n"):
        raise InvalidInput(
            "Mã số phải nằm trên một dòng.", "The code must be on one line.", field=field
        )
    return code


def validate_details(
    *,
    issuing_body: str,
    crop: str,
    area_ha: Decimal | None,
    households: int | None,
    valid_from: dt.date | None,
    valid_to: dt.date | None,
) -> None:
    for field, text, length in (("issuing_body", issuing_body, 300), ("crop", crop, 200)):
        problem = text_problem(field, text, max_length=length)
        if problem is not None:
            raise InvalidInput(problem.message_vi, problem.message_en, field=field)
    if area_ha is not None and (
        not area_ha.is_finite() or not 0 < area_ha <= MAX_AREA_HA or area_ha != round(area_ha, 4)
    ):
        raise InvalidInput(
            f"Diện tích (ha) phải lớn hơn 0 và tối đa {MAX_AREA_HA:,}, tối đa 4 chữ số lẻ.".replace(
                ",", "."
            ),
            f"The area (ha) must be above 0 and at most {MAX_AREA_HA:,}, with at most 4 decimals.",
            field="area_ha",
        )
    if households is not None and not 0 <= households <= MAX_HOUSEHOLDS:
        raise InvalidInput(
            f"Số hộ phải từ 0 đến {MAX_HOUSEHOLDS:,}.".replace(",", "."),
            f"Households must be between 0 and {MAX_HOUSEHOLDS:,}.",
            field="households",
        )
    if valid_from and valid_to and valid_to < valid_from:
        raise InvalidInput(
            "Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực.",
            "The end of validity must come after its start.",
            field="valid_to",
        )


def _required_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(
            "Cần ghi lý do cho thay đổi này.", "Give a reason for this change.", field="reason"
        )
    problem = text_problem("reason", text, max_length=REASON_MAX_LENGTH)
    if problem is not None:
        raise InvalidInput(problem.message_vi, problem.message_en, field="reason")
    return text


def _history(
    session: Session,
    *,
    actor: Actor,
    market_code: MarketCode,
    what: str,
    market: str | None = None,
    from_value: object = None,
    to_value: object = None,
    reason: str | None = None,
    source: ChangeSource = ChangeSource.manual,
) -> None:
    def text(value: object) -> str | None:
        return None if value is None else str(value)[:300]

    session.add(
        MarketCodeChange(
            market_code_id=market_code.id,
            market=market,
            actor=actor.label[:300],
            user_id=actor.user_id,
            what=what,
            from_value=text(from_value),
            to_value=text(to_value),
            reason=reason,
            source=source,
        )
    )


def record_code(
    session: Session,
    *,
    actor: Actor,
    location: Location,
    code: str,
    markets: Sequence[str] = (),
    issuing_body: str = "",
    crop: str = "",
    area_ha: Decimal | None = None,
    households: int | None = None,
    boundary: str | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    reason: str | None = None,
    source: ChangeSource = ChangeSource.manual,
) -> MarketCode:
    """An officer records a code issued to a growing area or packhouse, approved (active)
    for the given markets."""
    ensure_officer(actor)
    if location.kind not in AREA_KINDS | PACKHOUSE_KINDS:
        raise InvalidInput(
            "Mã số chỉ gắn với vùng trồng, trang trại hoặc cơ sở đóng gói.",
            "A code belongs to a growing area, a farm or a packhouse only.",
            field="location_id",
        )
    value = checked_code(code)
    validate_details(
        issuing_body=issuing_body,
        crop=crop,
        area_ha=area_ha,
        households=households,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    wanted = sorted({checked_market(market, field="markets") for market in markets})
    if boundary is not None:
        boundary = checked_geojson(boundary)
    why = (reason or "").strip() or None
    if why is not None:
        why = _required_reason(why)
    holder = session.scalar(select(MarketCode).where(MarketCode.code == value))
    if holder is not None:
        raise Conflict(
            f"Mã số {value} đã được ghi cho địa điểm {holder.location.name}"
            f" (GLN {holder.location.gln}).",
            f"Code {value} is already recorded for the location {holder.location.name}"
            f" (GLN {holder.location.gln}).",
            field="code",
        )
    market_code = MarketCode(
        location_id=location.id,
        code=value,
        issuing_body=issuing_body.strip(),
        crop=crop.strip(),
        area_ha=area_ha,
        households=households,
        boundary=boundary,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    session.add(market_code)
    session.flush()
    _history(
        session,
        actor=actor,
        market_code=market_code,
        what="created",
        to_value=value,
        reason=why,
        source=source,
    )
    for market in wanted:
        session.add(
            MarketApproval(
                market_code_id=market_code.id, market=market, status=ApprovalStatus.active
            )
        )
        _history(
            session,
            actor=actor,
            market_code=market_code,
            what="status",
            market=market,
            to_value=ApprovalStatus.active.value,
            reason=why,
            source=source,
        )
    session.flush()
    session.refresh(market_code, ["approvals"])
    record_change(
        session,
        actor=actor,
        action="create",
        entity="market_code",
        entity_id=market_code.id,
        enterprise_id=location.enterprise_id,
        after={**snapshot(market_code, SNAPSHOT), "markets": wanted, "source": source.value},
        reason=why,
    )
    return market_code


def set_approval(
    session: Session,
    *,
    actor: Actor,
    market_code: MarketCode,
    market: str,
    status: ApprovalStatus,
    reason: str | None,
    source: ChangeSource = ChangeSource.manual,
) -> MarketApproval:
    """Add a market's approval, or suspend, revoke or reinstate it; always with a reason."""
    ensure_officer(actor)
    market = checked_market(market, field="market")
    why = _required_reason(reason)
    approval = next((a for a in market_code.approvals if a.market == market), None)
    before = approval.status if approval else None
    if before is status:
        raise Conflict(
            f"Mã số {market_code.code} đã ở trạng thái này với thị trường"
            f" {market_names(market)[0]}.",
            f"Code {market_code.code} already has this status for {market_names(market)[1]}.",
            field="status",
        )
    if approval is None:
        approval = MarketApproval(market_code_id=market_code.id, market=market, status=status)
        session.add(approval)
    else:
        approval.status = status
        approval.changed_at = utcnow()
    session.flush()
    session.refresh(market_code, ["approvals"])
    _history(
        session,
        actor=actor,
        market_code=market_code,
        what="status",
        market=market,
        from_value=before.value if before else None,
        to_value=status.value,
        reason=why,
        source=source,
    )
    record_change(
        session,
        actor=actor,
        action="approval",
        entity="market_code",
        entity_id=market_code.id,
        enterprise_id=market_code.location.enterprise_id,
        before={"market": market, "status": before.value if before else None},
        after={"market": market, "status": status.value, "source": source.value},
        reason=why,
    )
    return approval


def update_code(
    session: Session,
    *,
    actor: Actor,
    market_code: MarketCode,
    changes: dict[str, Any],
    reason: str | None,
    source: ChangeSource = ChangeSource.manual,
) -> MarketCode:
    """Change a code's details (not the code itself: a new code is a new record)."""
    ensure_officer(actor)
    refuse_unknown_fields(changes, EDITABLE)
    why = _required_reason(reason)
    if changes.get("boundary") is not None:
        changes = {**changes, "boundary": checked_geojson(changes["boundary"])}
    merged = {**snapshot(market_code, EDITABLE), **changes}
    validate_details(
        issuing_body=merged["issuing_body"],
        crop=merged["crop"],
        area_ha=merged["area_ha"],
        households=merged["households"],
        valid_from=merged["valid_from"],
        valid_to=merged["valid_to"],
    )
    changed = {
        name: value for name, value in changes.items() if getattr(market_code, name) != value
    }
    for name, value in changed.items():
        before = getattr(market_code, name)
        if name == "boundary":  # a shape, not a value to show in a history line
            before, value = before and "GeoJSON", value and "GeoJSON"
        _history(
            session,
            actor=actor,
            market_code=market_code,
            what=name,
            from_value=before,
            to_value=value,
            reason=why,
            source=source,
        )
    if changed:
        apply_changes(
            session,
            actor=actor,
            record=market_code,
            changes=changed,
            entity="market_code",
            enterprise_id=market_code.location.enterprise_id,
        )
    return market_code


def get_code(session: Session, *, actor: Actor, code_id: int) -> MarketCode:
    market_code = session.get(MarketCode, code_id)
    if market_code is None:
        raise not_found(WHAT)
    actor.ensure_sees(market_code.location.enterprise_id, what=WHAT)
    return market_code


def find_code(session: Session, code: str) -> MarketCode | None:
    return session.scalar(select(MarketCode).where(MarketCode.code == code.strip()))


def list_codes(
    session: Session,
    *,
    actor: Actor,
    enterprise_id: int | None = None,
    location_id: int | None = None,
) -> list[MarketCode]:
    """Codes the actor may see: an enterprise its own locations', an officer any."""
    statement = (
        select(MarketCode)
        .join(Location, MarketCode.location_id == Location.id)
        .order_by(Location.name, MarketCode.code)
    )
    if not actor.is_agency:
        statement = statement.where(Location.enterprise_id == actor.enterprise_id)
    if enterprise_id is not None:
        statement = statement.where(Location.enterprise_id == enterprise_id)
    if location_id is not None:
        statement = statement.where(MarketCode.location_id == location_id)
    return list(session.scalars(statement))


def code_history(session: Session, *, market_code: MarketCode) -> list[MarketCodeChange]:
    return list(
        session.scalars(
            select(MarketCodeChange)
            .where(MarketCodeChange.market_code_id == market_code.id)
            .order_by(MarketCodeChange.id.desc())
        )
    )


def set_yield_ceiling(
    session: Session,
    *,
    actor: Actor,
    crop: str,
    tonnes_per_ha: Decimal,
    season_start_month: int = 1,
    reason: str | None = None,
) -> YieldCeiling:
    """An officer sets the most a hectare of the crop yields in a season."""
    ensure_officer(actor)
    name = re.sub(r"\s+", " ", crop).strip()
    if not name:
        raise InvalidInput("Cần nhập tên cây trồng.", "Enter the crop.", field="crop")
    problem = text_problem("crop", name, max_length=200)
    if problem is not None:
        raise InvalidInput(problem.message_vi, problem.message_en, field="crop")
    if (
        not tonnes_per_ha.is_finite()
        or not 0 < tonnes_per_ha <= MAX_TONNES_PER_HA
        or tonnes_per_ha != round(tonnes_per_ha, 3)
    ):
        raise InvalidInput(
            f"Năng suất tối đa (tấn/ha) phải lớn hơn 0 và tối đa {MAX_TONNES_PER_HA},"
            " tối đa 3 chữ số lẻ.",
            f"The yield ceiling (t/ha) must be above 0 and at most {MAX_TONNES_PER_HA},"
            " with at most 3 decimals.",
            field="tonnes_per_ha",
        )
    if not 1 <= season_start_month <= 12:
        raise InvalidInput(
            "Tháng bắt đầu mùa vụ phải từ 1 đến 12.",
            "The season's first month must be 1 to 12.",
            field="season_start_month",
        )
    why = (reason or "").strip() or None
    if why is not None:
        why = _required_reason(why)
    key = crop_key(name)
    ceiling = session.scalar(select(YieldCeiling).where(YieldCeiling.crop_key == key))
    fields = ["crop", "tonnes_per_ha", "season_start_month"]
    if ceiling is None:
        ceiling = YieldCeiling(
            crop=name,
            crop_key=key,
            tonnes_per_ha=tonnes_per_ha,
            season_start_month=season_start_month,
        )
        session.add(ceiling)
        session.flush()
        record_change(
            session,
            actor=actor,
            action="create",
            entity="yield_ceiling",
            entity_id=ceiling.id,
            after=snapshot(ceiling, fields),
            reason=why,
        )
        return ceiling
    before = snapshot(ceiling, fields)
    ceiling.crop = name
    ceiling.tonnes_per_ha = tonnes_per_ha
    ceiling.season_start_month = season_start_month
    session.flush()
    record_change(
        session,
        actor=actor,
        action="update",
        entity="yield_ceiling",
        entity_id=ceiling.id,
        before=before,
        after=snapshot(ceiling, fields),
        reason=why,
    )
    return ceiling


def list_yield_ceilings(session: Session) -> list[YieldCeiling]:
    return list(session.scalars(select(YieldCeiling).order_by(YieldCeiling.crop)))


def check_export_step(
    session: Session, lot: Lot, *, actor: Actor, attempt: str, location: Location
) -> None:
    """The guard on a step of an export lot (packing, shipping), and for packing: the
    place it is packed at is the packhouse the lot names (whose code the mark prints)."""
    check_export_lot(session, lot, actor=actor, attempt=attempt)
    if attempt == "pack" and lot.export_market and location.id != lot.packhouse_location_id:
        market_vi, market_en = market_names(lot.export_market)
        _Refusal(lot, lot.export_market, actor, attempt).fail(
            "packhouse_other",
            None,
            f"Lô {lot.code} xuất khẩu sang {market_vi} ghi cơ sở đóng gói khác; chỉ được"
            f" đóng gói tại cơ sở đã khai (mã số cơ sở đóng gói in trên bao bì), không phải"
            f" tại {location.name}.",
            f"Lot {lot.code} for {market_en} names another packhouse; it may be packed only"
            f" at the packhouse it declares (whose code the package carries), not at"
            f" {location.name}.",
            field="location_id",
        )


# --- The agency's queue of refusals --------------------------------------------------


def count_open_refusals(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(GuardRefusal).where(GuardRefusal.seen_at.is_(None))
        )
        or 0
    )


def open_refusals(session: Session, *, actor: Actor, limit: int = 200) -> list[GuardRefusal]:
    actor.ensure_agency()
    return list(
        session.scalars(
            select(GuardRefusal)
            .where(GuardRefusal.seen_at.is_(None))
            .order_by(GuardRefusal.id.desc())
            .limit(limit)
        )
    )


def mark_refusal_seen(
    session: Session, *, actor: Actor, refusal_id: int, note: str | None
) -> GuardRefusal:
    """An officer has looked into the refused attempt; the note says what was found."""
    ensure_officer(actor)
    refusal = session.get(GuardRefusal, refusal_id)
    if refusal is None or refusal.seen_at is not None:
        raise not_found(("cảnh báo mã vùng trồng", "code warning"))
    why = _required_reason(note)
    refusal.seen_at = utcnow()
    refusal.seen_by = actor.label[:300]
    record_change(
        session,
        actor=actor,
        action="seen",
        entity="export_guard_refusal",
        entity_id=refusal.id,
        enterprise_id=refusal.enterprise_id,
        after={"rule": refusal.rule, "lot_code": refusal.lot_code},
        reason=why,
    )
    return refusal
