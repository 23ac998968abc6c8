"""The export scene of issue 20 on top of the demo enterprises: the durian cooperative of
Ngũ Hiệp (service/demo_catalogue.toml) harvests a lot in its growing area, packs it for
China in its packhouse, and the packed lot is the export lot a shopper in China scans.

Loaded once, after the other scenes (so the demo's print runs and scans are made first):
it looks for the export lot and leaves everything alone when it is there.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from labels.sheets import SheetLayout
from registry.accounts.models import Role, User
from registry.accounts.service import actor_for_user
from registry.actor import Actor
from registry.consignments.container import container_check_digit
from registry.consignments.details import Importer, LabResult
from registry.consignments.models import Consignment
from registry.consignments.service import (
    ConsignedLot,
    Phytosanitary,
    Shipment,
    create_consignment,
)
from registry.enterprises.models import Enterprise
from registry.events.steps import LotQuantity, record_harvest, record_inspection, record_pack
from registry.locations.models import Location
from registry.lots.models import Lot
from registry.lots.service import create_lot, find_lot
from registry.market_codes.guard import ExportGuardRefused, keep_refusal
from registry.market_codes.models import ApprovalStatus, MarketCode
from registry.market_codes.service import (
    check_export_lot,
    find_code,
    record_code,
    set_approval,
    set_yield_ceiling,
)
from registry.print_runs.content import run_digital_link
from registry.print_runs.models import LabelRun, RunTemplate
from registry.print_runs.service import create_run, run_serials
from registry.products.models import Product
from registry.vn.clock import VIETNAM_ZONE
from service.demo_scenes import tax_code

EXPORTER_TAX_BASE = "121516791"
PRODUCT = "Sầu riêng Ri6 Ngũ Hiệp xuất khẩu"
# The harvest as it comes from the orchard, and the cartons packed from it for China.
HARVEST_LOT = (PRODUCT, "SRNH-2611-T01")
EXPORT_LOT = (PRODUCT, "SRCN-2611-01")
EXPORT_MARKET = "CN"
GROWING_AREA = "Vùng trồng sầu riêng ấp Tân Phong"
SUSPENDED_AREA = "Vùng trồng sầu riêng ấp Mỹ Long"
PACKHOUSE = "Cơ sở đóng gói HTX Ngũ Hiệp"
# Codes as the Plant Production and Protection Department issued them before the merger
# of Tiền Giang into Đồng Tháp (VN + province + OR orchard / PH packing house + number),
# stored as issued; China's customs (GACC) approved them for China.
ISSUER = "Cục Trồng trọt và Bảo vệ thực vật"
CROP = "Sầu riêng"
APPROVED = (
    "Có trong danh sách mã số được Tổng cục Hải quan Trung Quốc (GACC) phê duyệt"
    " / On the list China's customs (GACC) approved"
)
SUSPENSION = (
    "GACC tạm ngừng mã số: phát hiện cadimi vượt giới hạn trong một lô hàng"
    " / GACC suspended the code: cadmium above the limit in a consignment"
)
# The most a hectare of durian yields in a season, as an officer sets it (t/ha).
DURIAN_CEILING = Decimal(30)
# A lot from the suspended area, refused for China: the agency's queue shows it.
REFUSED_LOT = (PRODUCT, "SRML-2611-01")
# The shipment: by refrigerated container over the Hữu Nghị border gate to Pingxiang.
CONTAINER = "DTHU261204" + container_check_digit("DTHU261204")  # ISO 6346
CERTIFICATE = "KDTV-7-2612-00415"
IMPORTER = Importer(
    "广西样例水果进口有限公司 (Công ty TNHH Nhập khẩu trái cây mẫu Quảng Tây)",
    "CN",
    "凭祥市, 广西壮族自治区",
)
DECLARATION = (
    "The consignment complies with the Protocol of phytosanitary requirements for the export"
    " of fresh durian from Viet Nam to China and is free from quarantine pests of concern to"
    " China; its planting-area and packing-house codes are on the approved list."
)
LAB = "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 3 (QUATEST 3)"
LAB_RESULTS = (
    LabResult(LAB, "KT3-2612-0415", "Cadimi (Cd)", "0,012 mg/kg", "0,05 mg/kg", passed=True),
    LabResult(LAB, "KT3-2612-0416", "Vàng O (Auramine O)", "Không phát hiện", "", passed=True),
)
# Export labels for the cartons: two A4 sheets of eight, serialized (the print queue
# renders them when the server starts, like the demo's other runs).
EXPORT_LAYOUT = "a4-2x4"
EXPORT_LABELS = 16
HARVESTED_DAYS_AGO = 3
SHELF_LIFE_DAYS = 15
HARVESTED_KG = Decimal(19_500)
PACKED_KG = Decimal(18_000)  # 1,000 cartons of 18 kg


@dataclass(frozen=True)
class Actors:
    officer: Actor  # the demo's officer records codes and the yield ceiling
    member: Actor  # the cooperative's account records its lots and steps


@dataclass(frozen=True)
class ExportPlaces:
    growing_area: Location
    suspended_area: Location
    packhouse: Location


@dataclass(frozen=True)
class DemoCode:
    place: str
    code: str
    issued_on: dt.date
    area_ha: Decimal | None = None
    households: int | None = None
    suspended: str | None = None


CODES = (
    DemoCode(GROWING_AREA, "VN-TGOR-0157", dt.date(2024, 4, 12), Decimal("12.4"), 23),
    DemoCode(SUSPENDED_AREA, "VN-TGOR-0212", dt.date(2024, 4, 12), Decimal("8.6"), 15, SUSPENSION),
    DemoCode(PACKHOUSE, "VN-TGPH-0046", dt.date(2023, 11, 8)),
)
AREA_CODE, SUSPENDED_CODE, PACKHOUSE_CODE = (item.code for item in CODES)


def exporter(session: Session) -> Enterprise | None:
    code = tax_code(EXPORTER_TAX_BASE)
    return session.scalar(select(Enterprise).where(Enterprise.tax_code == code))


def _actors(session: Session, enterprise: Enterprise) -> Actors:
    def first(condition: ColumnElement[bool]) -> Actor:
        user = session.scalars(select(User).where(condition).order_by(User.id)).first()
        if user is None:
            raise LookupError("the demo's officer or the cooperative's account is missing")
        return actor_for_user(user)

    return Actors(
        officer=first(User.role == Role.agency),
        member=first(User.enterprise_id == enterprise.id),
    )


def _places(session: Session, enterprise: Enterprise) -> ExportPlaces:
    found = {
        location.name: location
        for location in session.scalars(
            select(Location).where(Location.enterprise_id == enterprise.id)
        )
    }
    return ExportPlaces(found[GROWING_AREA], found[SUSPENDED_AREA], found[PACKHOUSE])


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=VIETNAM_ZONE)


def _boundary(location: Location, area_ha: Decimal) -> str:
    """A square of the code's area around the place's point, as GeoJSON (lon, lat)."""
    lat, lon = location.latitude or 0.0, location.longitude or 0.0
    half = float(area_ha.sqrt()) * 100 / 2 / 111_320  # metres of the side, in degrees
    ring = [
        [round(lon + dx * half, 6), round(lat + dy * half, 6)]
        for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1))
    ]
    return json.dumps({"type": "Polygon", "coordinates": [ring]}, separators=(",", ":"))


def _codes(session: Session, officer: Actor, places: ExportPlaces) -> list[MarketCode]:
    """The codes an officer recorded for the cooperative's places, and the durian ceiling."""
    by_name = {
        place.name: place
        for place in (places.growing_area, places.suspended_area, places.packhouse)
    }
    recorded = []
    for item in CODES:
        found = find_code(session, item.code)
        if found is not None:
            recorded.append(found)
            continue
        location = by_name[item.place]
        code = record_code(
            session,
            actor=officer,
            location=location,
            code=item.code,
            markets=[EXPORT_MARKET],
            issuing_body=ISSUER,
            crop=CROP,
            area_ha=item.area_ha,
            households=item.households,
            boundary=_boundary(location, item.area_ha) if item.area_ha else None,
            valid_from=item.issued_on,
            reason=APPROVED,
        )
        if item.suspended:
            set_approval(
                session,
                actor=officer,
                market_code=code,
                market=EXPORT_MARKET,
                status=ApprovalStatus.suspended,
                reason=item.suspended,
            )
        recorded.append(code)
    set_yield_ceiling(session, actor=officer, crop=CROP, tonnes_per_ha=DURIAN_CEILING)
    return recorded


def _refused_attempt(
    session: Session, member: Actor, product: Product, places: ExportPlaces, harvested: dt.date
) -> None:
    """Someone declares a lot for China from the area whose code GACC suspended: refused,
    nothing of it kept but the refusal in the agency's queue."""
    savepoint = session.begin_nested()
    try:
        lot = create_lot(
            session,
            actor=member,
            product=product,
            code=REFUSED_LOT[1],
            production_on=harvested,
            quantity=Decimal(6_000),
            unit="KGM",
            origin_location=places.suspended_area,
            export_market=EXPORT_MARKET,
            packhouse_location=places.packhouse,
        )
        check_export_lot(session, lot, actor=member)
    except ExportGuardRefused as refused:
        savepoint.rollback()
        keep_refusal(session, refused)
        return
    raise AssertionError(f"the guard let lot {REFUSED_LOT[1]} of a suspended code through")


def _lots(
    session: Session, member: Actor, product: Product, places: ExportPlaces, harvested: dt.date
) -> tuple[Lot, Lot]:
    expiry = harvested + dt.timedelta(days=SHELF_LIFE_DAYS)
    raw = create_lot(
        session,
        actor=member,
        product=product,
        code=HARVEST_LOT[1],
        production_on=harvested,
        expiry_on=expiry,
        quantity=HARVESTED_KG,
        unit="KGM",
        origin_location=places.growing_area,
    )
    packed = create_lot(
        session,
        actor=member,
        product=product,
        code=EXPORT_LOT[1],
        production_on=harvested,
        expiry_on=expiry,
        quantity=PACKED_KG,
        unit="KGM",
        origin_location=places.growing_area,
        export_market=EXPORT_MARKET,
        packhouse_location=places.packhouse,
    )
    check_export_lot(session, packed, actor=member)
    return raw, packed


def _steps(session: Session, member: Actor, raw: Lot, packed: Lot, places: ExportPlaces) -> None:
    """Harvest at dawn in the growing area, packed for China the next afternoon, and the
    packhouse's check of the cartons before they leave."""
    harvested = raw.production_on or dt.date.today()
    record_harvest(
        session,
        actor=member,
        lot=raw,
        location=places.growing_area,
        harvested_on=harvested,
        harvested_at=_at(harvested, 6, 30),
        quantity=HARVESTED_KG,
        unit="KGM",
    )
    packed_on = harvested + dt.timedelta(days=1)
    record_pack(
        session,
        actor=member,
        inputs=[LotQuantity(raw, HARVESTED_KG, "KGM")],
        outputs=[LotQuantity(packed, PACKED_KG, "KGM")],
        location=places.packhouse,
        occurred_at=_at(packed_on, 14),
    )
    record_inspection(
        session,
        actor=member,
        lot=packed,
        location=places.packhouse,
        passed=True,
        report_number=f"KQ-{packed.code}",
        occurred_at=_at(packed_on, 17),
    )


def _export_labels(session: Session, member: Actor, packed: Lot) -> LabelRun:
    sheet = SheetLayout.parse(EXPORT_LAYOUT)
    return create_run(
        session,
        actor=member,
        lot=packed,
        count=EXPORT_LABELS,
        serialized=True,
        layout=sheet.name,
        label_size=sheet.label.name,
        template=RunTemplate.export,
    )


def _consignment(
    session: Session, member: Actor, enterprise: Enterprise, packed: Lot, places: ExportPlaces
) -> Consignment:
    """The export lot leaves for China the day after packing."""
    departed = (packed.production_on or dt.date.today()) + dt.timedelta(days=2)
    return create_consignment(
        session,
        actor=member,
        enterprise=enterprise,
        market=EXPORT_MARKET,
        lots=[ConsignedLot(packed, PACKED_KG, "KGM")],
        importer=IMPORTER,
        shipment=Shipment(
            location=places.packhouse,
            departed_on=departed,
            port_of_loading="Cửa khẩu quốc tế Hữu Nghị, Lạng Sơn",
            port_of_discharge="友谊关口岸 Youyiguan, Pingxiang",
            container_number=CONTAINER,
            seal_numbers=("VN2612041", "VN2612042"),
        ),
        papers=Phytosanitary(
            certificate_number=CERTIFICATE,
            additional_declarations=DECLARATION,
            lab_results=LAB_RESULTS,
        ),
    )


def load_export_scene(session: Session, *, today: dt.date) -> dict[str, int]:
    """The exporter's lots and steps, once; the counts of what the scene holds."""
    enterprise = exporter(session)
    product = session.scalar(select(Product).where(Product.name_vi == PRODUCT))
    if enterprise is None or product is None:
        return {}
    if find_lot(session, gtin=product.gtin, code=EXPORT_LOT[1]) is None:
        places = _places(session, enterprise)
        harvested = today - dt.timedelta(days=HARVESTED_DAYS_AGO)
        actors = _actors(session, enterprise)
        _codes(session, actors.officer, places)
        raw, packed = _lots(session, actors.member, product, places, harvested)
        _refused_attempt(session, actors.member, product, places, harvested)
        session.flush()
        _steps(session, actors.member, raw, packed, places)
        _export_labels(session, actors.member, packed)
        session.flush()
        _consignment(session, actors.member, enterprise, packed, places)
        session.flush()
    return {
        "export label runs": session.scalar(
            select(func.count())
            .select_from(LabelRun)
            .where(LabelRun.template == RunTemplate.export)
        )
        or 0,
        "consignments": session.scalar(select(func.count()).select_from(Consignment)) or 0,
        "market codes": session.scalar(select(func.count()).select_from(MarketCode)) or 0,
        "export lots": session.scalar(
            select(func.count()).select_from(Lot).where(Lot.export_market.is_not(None))
        )
        or 0,
    }


def export_lot_link(session: Session, base_url: str) -> str | None:
    """The Digital Link of the export lot's first export label, asking for the page in
    Chinese (a shopper's phone set to Chinese gets it without asking)."""
    product = session.scalar(select(Product).where(Product.name_vi == PRODUCT))
    lot = product and find_lot(session, gtin=product.gtin, code=EXPORT_LOT[1])
    if not lot:
        return None
    run = session.scalars(
        select(LabelRun).where(LabelRun.lot_id == lot.id).order_by(LabelRun.id)
    ).first()
    serials = (run_serials(run) or []) if run else []
    link = run_digital_link(base_url, lot, serials[0] if serials else None)
    return f"{link}{'&' if '?' in link else '?'}lang=zh"
