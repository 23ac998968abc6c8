"""Demo data: producers of the former Tiền Giang area, now in Đồng Tháp.

Loading is idempotent: what exists (by tax code, GTIN, lot code, e-mail) is kept.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts.models import Role, User
from registry.accounts.service import create_user
from registry.actor import SYSTEM
from registry.certificates.models import Certificate, CertificateKind
from registry.certificates.service import create_certificate
from registry.enterprises.models import Enterprise, EnterpriseKind
from registry.enterprises.service import (
    EnterpriseDetails,
    register_enterprise,
    suspend_enterprise,
    verify_enterprise,
)
from registry.events.steps import record_harvest, record_inspection
from registry.gpc.service import SAMPLE_GPC, count_bricks, load_gpc
from registry.locations.models import Location, LocationKind
from registry.locations.service import create_location
from registry.lots.models import Lot
from registry.lots.service import create_lot, find_lot
from registry.places.service import sync_admin_units
from registry.prefixes.models import CompanyPrefix
from registry.prefixes.service import add_pool_prefix, record_granted_prefix
from registry.products.models import Product
from registry.products.service import ProductDetails, create_product
from service.demo_export import load_export_scene
from service.demo_scenes import load_scenes, tax_code

DEMO_PASSWORD = "truyxuat-demo"
AGENCY_EMAIL = "canbo@chicuc-tdc.dongthap.gov.vn"
ADMIN_EMAIL = "quantri@chicuc-tdc.dongthap.gov.vn"
POOL_PREFIXES = ["893600001", "893600002", "893600003", "893800001"]


@dataclass
class DemoProduct:
    name_vi: str
    name_en: str
    category: str
    net_content: str
    lots: list[tuple[str, int, int]]  # code, days since production, shelf life in days
    standards: str = "TCVN 5603:2023"
    warnings_vi: str | None = None
    warnings_en: str | None = None
    ocop_stars: int | None = None
    name_zh: str | None = None  # for products sold to China
    # Master data for GS1 (Verified by GS1): a brick of the sample GPC, the net content as
    # a value and a UN/ECE Rec 20 unit, the target markets (ISO 3166-1).
    gpc_brick_code: str | None = None
    net_content_value: Decimal | None = None
    net_content_unit: str | None = None
    target_markets: str | None = None


@dataclass
class DemoEnterprise:
    tax_base: str
    legal_name: str
    trading_name: str
    kind: EnterpriseKind
    ward: str
    address: str
    sector: str
    prefix: str
    email: str
    locations: list[tuple[str, LocationKind, float, float]]
    products: list[DemoProduct]
    certificates: list[tuple[CertificateKind, str, str, int | None]] = field(default_factory=list)
    verified: bool = True
    # Why the agency suspended it (after its products were registered), if it did.
    suspended: str | None = None


CATALOGUE = Path(__file__).with_name("demo_catalogue.toml")


def _demo_enterprise(entry: dict[str, Any]) -> DemoEnterprise:
    nested = ("kind", "locations", "products", "certificates")
    return DemoEnterprise(
        **{key: value for key, value in entry.items() if key not in nested},
        kind=EnterpriseKind(entry["kind"]),
        locations=[
            (place["name"], LocationKind(place["kind"]), place["latitude"], place["longitude"])
            for place in entry["locations"]
        ],
        products=[
            DemoProduct(
                **{
                    **product,
                    "lots": [tuple(lot) for lot in product["lots"]],
                    "net_content_value": product.get("net_content_value")
                    and Decimal(product["net_content_value"]),
                }
            )
            for product in entry.get("products", [])
        ],
        certificates=[
            (CertificateKind(c["kind"]), c["number"], c["issuer"], c.get("stars"))
            for c in entry.get("certificates", [])
        ],
    )


ENTERPRISES = [
    _demo_enterprise(entry)
    for entry in tomllib.loads(CATALOGUE.read_text(encoding="utf-8"))["enterprise"]
]


def _ensure_enterprise(session: Session, spec: DemoEnterprise) -> tuple[Enterprise, bool]:
    code = tax_code(spec.tax_base)
    existing = session.scalar(select(Enterprise).where(Enterprise.tax_code == code))
    if existing is not None:
        return existing, False
    enterprise = register_enterprise(
        session,
        actor=SYSTEM,
        tax_code=code,
        details=EnterpriseDetails(
            legal_name=spec.legal_name,
            trading_name=spec.trading_name,
            kind=spec.kind,
            address=spec.address,
            ward_code=spec.ward,
            sector=spec.sector,
            email=spec.email,
        ),
    )
    if spec.verified:
        verify_enterprise(session, actor=SYSTEM, enterprise=enterprise)
    record_granted_prefix(
        session,
        actor=SYSTEM,
        enterprise=enterprise,
        prefix=spec.prefix,
        reason="Dữ liệu mẫu / demo data",
    )
    return enterprise, True


def _record_journey(session: Session, lot: Lot, locations: list[Location], *, grows: bool) -> None:
    """A short journey so demo consumer pages show one: harvest, then a quality check."""
    # The day before production, so no event is ever in the future.
    day = (lot.production_on or dt.date.today()) - dt.timedelta(days=1)
    if grows:
        record_harvest(
            session,
            actor=SYSTEM,
            lot=lot,
            location=locations[0],
            harvested_on=day,
            quantity=Decimal(500),
            unit="KGM",
        )
    checked_at = dt.datetime.combine(day, dt.time(16), tzinfo=dt.timezone(dt.timedelta(hours=7)))
    record_inspection(
        session,
        actor=SYSTEM,
        lot=lot,
        location=locations[-1],
        passed=True,
        report_number=f"KQ-{lot.code}",
        occurred_at=checked_at,
    )


def _load_enterprise(session: Session, spec: DemoEnterprise, today: dt.date) -> None:
    enterprise, created = _ensure_enterprise(session, spec)
    if not created:
        return
    locations: list[Location] = [
        create_location(
            session,
            actor=SYSTEM,
            enterprise=enterprise,
            name=name,
            kind=kind,
            address=spec.address,
            ward_code=spec.ward,
            latitude=lat,
            longitude=lon,
        )
        for name, kind, lat, lon in spec.locations
    ]
    origin = locations[0]
    grows = origin.kind in (LocationKind.farm, LocationKind.growing_area)
    for item in spec.products:
        product = create_product(
            session,
            actor=SYSTEM,
            enterprise=enterprise,
            details=ProductDetails(
                name_vi=item.name_vi,
                name_en=item.name_en,
                name_zh=item.name_zh,
                brand=spec.trading_name,
                category=item.category,
                net_content=item.net_content,
                standards_applied=item.standards,
                warnings_vi=item.warnings_vi,
                warnings_en=item.warnings_en,
                gpc_brick_code=item.gpc_brick_code,
                net_content_value=item.net_content_value,
                net_content_unit=item.net_content_unit,
                target_markets=item.target_markets,
            ),
        )
        for code, age_days, shelf_days in item.lots:
            if find_lot(session, gtin=product.gtin, code=code):
                continue
            produced = today - dt.timedelta(days=age_days)
            lot = create_lot(
                session,
                actor=SYSTEM,
                product=product,
                code=code,
                production_on=produced,
                expiry_on=produced + dt.timedelta(days=shelf_days),
                quantity=Decimal(500),
                unit="KGM",
                origin_location=origin,
            )
            _record_journey(session, lot, locations, grows=grows)
    for kind, number, issuer, stars in spec.certificates:
        create_certificate(
            session,
            actor=SYSTEM,
            enterprise=enterprise,
            kind=kind,
            number=number,
            issuer=issuer,
            stars=stars,
            valid_from=today - dt.timedelta(days=300),
            valid_until=today + dt.timedelta(days=760),
        )
    create_user(
        session,
        actor=SYSTEM,
        email=spec.email,
        password=DEMO_PASSWORD,
        role=Role.enterprise,
        enterprise=enterprise,
        full_name=spec.trading_name,
    )
    if spec.suspended:
        suspend_enterprise(session, actor=SYSTEM, enterprise=enterprise, reason=spec.suspended)


def load_demo(session: Session, *, today: dt.date | None = None) -> str:
    now = dt.datetime.now(dt.UTC)
    today = today or now.date()
    sync_admin_units(session)
    if not count_bricks(session):  # the demo's products can be classified
        with SAMPLE_GPC.open("rb") as stream:
            load_gpc(session, actor=SYSTEM, stream=stream)
    for email, role in ((AGENCY_EMAIL, Role.agency), (ADMIN_EMAIL, Role.admin)):
        if session.scalar(select(User.id).where(User.email == email)) is None:
            create_user(session, actor=SYSTEM, email=email, password=DEMO_PASSWORD, role=role)
    for prefix in POOL_PREFIXES:
        if session.scalar(select(CompanyPrefix.id).where(CompanyPrefix.prefix == prefix)) is None:
            add_pool_prefix(session, actor=SYSTEM, prefix=prefix)
    for spec in ENTERPRISES:
        _load_enterprise(session, spec, today)
    session.flush()
    scenes = load_scenes(session, today=today, now=now, password=DEMO_PASSWORD)
    # After the scenes: their print runs and scans are made when none exist yet.
    scenes |= load_export_scene(session, today=today)
    counts = {
        "enterprises": session.query(Enterprise).count(),
        "products": session.query(Product).count(),
        "locations": session.query(Location).count(),
        "certificates": session.query(Certificate).count(),
        **scenes,
    }
    return "Demo data: " + ", ".join(f"{value} {name}" for name, value in counts.items())


def first_demo_lot_uri(session: Session, base_url: str) -> str:
    """A Digital Link of a demo lot, for the start-up banner."""
    from registry.lots.models import Lot

    lot = session.scalar(select(Lot).order_by(Lot.id).limit(1))
    if lot is None:
        return base_url
    return f"{base_url.rstrip('/')}/01/{lot.product.gtin}/10/{lot.code}"
