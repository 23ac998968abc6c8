"""The export scene of issue 20 on top of the demo enterprises: the durian cooperative of
Ngũ Hiệp (service/demo_catalogue.toml) harvests a lot in its growing area, packs it for
China in its packhouse, and the packed lot is the export lot a shopper in China scans.

Loaded once, after the other scenes (so the demo's print runs and scans are made first):
it looks for the export lot and leaves everything alone when it is there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.actor import SYSTEM
from registry.enterprises.models import Enterprise
from registry.events.steps import LotQuantity, record_harvest, record_inspection, record_pack
from registry.locations.models import Location
from registry.lots.models import Lot
from registry.lots.service import create_lot, find_lot
from registry.print_runs.content import run_digital_link
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
HARVESTED_DAYS_AGO = 3
SHELF_LIFE_DAYS = 15
HARVESTED_KG = Decimal(19_500)
PACKED_KG = Decimal(18_000)  # 1,000 cartons of 18 kg


@dataclass(frozen=True)
class ExportPlaces:
    growing_area: Location
    suspended_area: Location
    packhouse: Location


def exporter(session: Session) -> Enterprise | None:
    code = tax_code(EXPORTER_TAX_BASE)
    return session.scalar(select(Enterprise).where(Enterprise.tax_code == code))


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


def _lots(
    session: Session, product: Product, places: ExportPlaces, harvested: dt.date
) -> tuple[Lot, Lot]:
    expiry = harvested + dt.timedelta(days=SHELF_LIFE_DAYS)
    raw = create_lot(
        session,
        actor=SYSTEM,
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
        actor=SYSTEM,
        product=product,
        code=EXPORT_LOT[1],
        production_on=harvested,
        expiry_on=expiry,
        quantity=PACKED_KG,
        unit="KGM",
        origin_location=places.growing_area,
    )
    return raw, packed


def _steps(session: Session, raw: Lot, packed: Lot, places: ExportPlaces) -> None:
    """Harvest at dawn in the growing area, packed for China the next afternoon, and the
    packhouse's check of the cartons before they leave."""
    harvested = raw.production_on or dt.date.today()
    record_harvest(
        session,
        actor=SYSTEM,
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
        actor=SYSTEM,
        inputs=[LotQuantity(raw, HARVESTED_KG, "KGM")],
        outputs=[LotQuantity(packed, PACKED_KG, "KGM")],
        location=places.packhouse,
        occurred_at=_at(packed_on, 14),
    )
    record_inspection(
        session,
        actor=SYSTEM,
        lot=packed,
        location=places.packhouse,
        passed=True,
        report_number=f"KQ-{packed.code}",
        occurred_at=_at(packed_on, 17),
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
        raw, packed = _lots(session, product, places, harvested)
        session.flush()
        _steps(session, raw, packed, places)
        session.flush()
    return {}


def export_lot_link(session: Session, base_url: str) -> str | None:
    """The Digital Link of the export lot, as its export labels carry it."""
    product = session.scalar(select(Product).where(Product.name_vi == PRODUCT))
    lot = product and find_lot(session, gtin=product.gtin, code=EXPORT_LOT[1])
    return run_digital_link(base_url, lot) if lot else None
