"""What an export label says: the marks its importing market asks for (market_marks.toml),
filled from the lot, its product and enterprise, and the growing-area and packing-house
codes active for that market (registry/market_codes). Plain values; labels/ draws them."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy.orm import Session

from registry.errors import InvalidInput
from registry.gs1 import format_parenthesised
from registry.lots.models import Lot
from registry.market_codes.service import check_export_lot, export_codes_for_lot
from registry.markets import market_names
from registry.places.models import AdminUnit

MARKS_FILE = Path(__file__).with_name("market_marks.toml")
PROVINCE_LEVELS = ("province", "municipality")
NAME_FIELDS = {"vi": "name_vi", "en": "name_en", "zh": "name_zh"}
NAME_LABELS = {
    "vi": ("tên tiếng Việt", "Vietnamese name"),
    "en": ("tên tiếng Anh", "English name"),
    "zh": ("tên tiếng Trung", "Chinese name"),
}


@dataclass(frozen=True, slots=True)
class MarketMarks:
    market: str
    names: tuple[str, ...]
    required_names: tuple[str, ...]
    origin: str
    place_of_origin: str
    growing_area: str
    packhouse: str
    destination: tuple[str, ...]
    registration: str | None
    lot: str
    produced: str
    expires: str


@dataclass(frozen=True, slots=True)
class ExportContent:
    """The lines of an export label, in print order ((text, bold) pairs), and the element
    string its GS1 DataMatrix holds."""

    market: str
    lines: tuple[tuple[str, bool], ...]
    element_string: str


@cache
def market_marks() -> dict[str, MarketMarks]:
    table = tomllib.loads(MARKS_FILE.read_text(encoding="utf-8"))
    return {
        market: MarketMarks(
            market=market,
            names=tuple(entry["names"]),
            required_names=tuple(entry.get("required_names", ())),
            origin=entry["origin"],
            place_of_origin=entry["place_of_origin"],
            growing_area=entry["growing_area"],
            packhouse=entry["packhouse"],
            destination=tuple(entry["destination"]),
            registration=entry.get("registration"),
            lot=entry["lot"],
            produced=entry["produced"],
            expires=entry["expires"],
        )
        for market, entry in table.items()
    }


def marks_for(market: str | None) -> MarketMarks:
    """The marks of the lot's market; refused (vi + en) for a lot that is not exported or
    a market without an export label yet."""
    if market is None:
        raise InvalidInput(
            "Lô này không có thị trường xuất khẩu: ghi thị trường nhập khẩu của lô trước khi "
            "in tem xuất khẩu.",
            "This lot has no export market: record the lot's importing market before "
            "printing export labels.",
            field="template",
        )
    marks = market_marks().get(market)
    if marks is None:
        market_vi, market_en = market_names(market)
        raise InvalidInput(
            f"Chưa có mẫu tem xuất khẩu cho thị trường {market_vi}.",
            f"There is no export label template for {market_en} yet.",
            field="template",
        )
    return marks


def _province(session: Session, ward_code: str | None) -> str | None:
    """The province (or municipality) a ward lies in, walking up the units."""
    code = ward_code
    while code is not None:
        unit = session.get(AdminUnit, code)
        if unit is None:
            return None
        if unit.level in PROVINCE_LEVELS:
            return unit.name
        code = unit.parent_code
    return None


def _named(heading: str, name: str | None, code: str | None) -> str | None:
    shown = " — ".join(part for part in (name, code) if part)
    return f"{heading}: {shown}" if shown else None


def _date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _names(lot: Lot, marks: MarketMarks) -> list[tuple[str, bool]]:
    product = lot.product
    lines: list[tuple[str, bool]] = []
    for lang in marks.names:
        name = getattr(product, NAME_FIELDS[lang])
        if not name and lang in marks.required_names:
            label_vi, label_en = NAME_LABELS[lang]
            market_vi, market_en = market_names(marks.market)
            raise InvalidInput(
                f"Sản phẩm {product.name_vi} chưa có {label_vi}, bắt buộc trên tem xuất "
                f"khẩu sang {market_vi}: thêm ở trang sửa sản phẩm.",
                f"The product {product.name_vi} has no {label_en}, which an export label "
                f"for {market_en} must carry: add it on the product's edit page.",
                field=NAME_FIELDS[lang],
            )
        if name:
            lines.append((name, not lines))
    return lines


def export_content(session: Session, lot: Lot) -> ExportContent:
    """The export label of the lot for its market, after the export guard has passed it."""
    marks = marks_for(lot.export_market)
    check_export_lot(session, lot, attempt="label")
    codes = export_codes_for_lot(session, lot)
    assert codes is not None  # the lot has a market
    enterprise = lot.product.enterprise
    origin = lot.origin_location
    province = _province(session, origin.ward_code if origin else None) or _province(
        session, enterprise.ward_code
    )
    if province is None:
        raise InvalidInput(
            "Không xác định được tỉnh xuất xứ của lô: ghi phường/xã cho vùng trồng của lô.",
            "The lot's province of origin is unknown: record the ward of its growing area.",
            field="origin_location_id",
        )
    lines = _names(lot, marks)
    lines.append((marks.origin, False))
    lines.append((f"{marks.place_of_origin}: {province}", False))
    for heading, name, code in (
        (marks.growing_area, codes.growing_area_name, codes.growing_area_code),
        (marks.packhouse, codes.packhouse_name, codes.packhouse_code),
    ):
        line = _named(heading, name, code)
        if line:
            lines.append((line, False))
    lines.extend((text, True) for text in marks.destination)
    if marks.registration and enterprise.china_registration_number:
        lines.append((f"{marks.registration}: {enterprise.china_registration_number}", False))
    lines.append((f"{marks.lot}: {lot.code}", False))
    if lot.production_on:
        lines.append((f"{marks.produced}: {_date(lot.production_on)}", False))
    if lot.expiry_on:
        lines.append((f"{marks.expires}: {_date(lot.expiry_on)}", False))
    elements = [("01", lot.product.gtin), ("10", lot.code)]
    if lot.expiry_on:
        elements.append(("17", lot.expiry_on.strftime("%y%m%d")))
    return ExportContent(marks.market, tuple(lines), str(format_parenthesised(elements)))
