"""Factories that build valid registry data through the real services."""

from __future__ import annotations

import base64
import datetime as dt
import io
import itertools
import random
from decimal import Decimal
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts.models import KeyScope, Role, User
from registry.accounts.service import create_api_key, create_user
from registry.actor import SYSTEM, Actor
from registry.certificates.models import Certificate, CertificateKind
from registry.certificates.service import create_certificate
from registry.enterprises.models import Enterprise, EnterpriseKind
from registry.enterprises.service import EnterpriseDetails, register_enterprise, verify_enterprise
from registry.events.steps import CONTEXT
from registry.locations.models import Location, LocationKind
from registry.locations.service import create_location
from registry.lots.models import Lot
from registry.lots.service import create_lot
from registry.market_codes.service import record_code
from registry.prefixes.models import CompanyPrefix
from registry.prefixes.service import record_granted_prefix
from registry.products.models import Product
from registry.products.service import ProductDetails, create_product
from registry.vn import mst_check_digit

PASSWORD = "correct-horse-battery"
WARD_CAI_BE = "28360"
_counter = itertools.count(1)
_random = random.Random(20261127)


def unique_tax_code() -> str:
    while True:
        first_nine = "3" + str(_random.randrange(10**8)).zfill(8)
        check = mst_check_digit(first_nine)
        if check is not None:
            return first_nine + check


def make_enterprise(
    session: Session, *, verified: bool = True, prefix: bool = True, **details: object
) -> Enterprise:
    values: dict[str, object] = {
        "legal_name": f"Hợp tác xã Thử nghiệm {next(_counter)}",
        "kind": EnterpriseKind.cooperative,
        "address": "Ấp 1, xã Cái Bè",
        "ward_code": WARD_CAI_BE,
    }
    values.update(details)
    enterprise = register_enterprise(
        session,
        actor=SYSTEM,
        tax_code=unique_tax_code(),
        details=EnterpriseDetails(**values),  # type: ignore[arg-type]
    )
    if verified:
        verify_enterprise(session, actor=SYSTEM, enterprise=enterprise)
    if prefix:
        make_prefix(session, enterprise=enterprise)
    return enterprise


def make_prefix(session: Session, *, enterprise: Enterprise) -> CompanyPrefix:
    while True:
        candidate = f"89361{_random.randrange(10**4):04d}"
        if session.scalar(select(CompanyPrefix.id).where(CompanyPrefix.prefix == candidate)):
            continue
        return record_granted_prefix(session, actor=SYSTEM, enterprise=enterprise, prefix=candidate)


def make_product(session: Session, *, enterprise: Enterprise, **details: object) -> Product:
    values: dict[str, object] = {
        "name_vi": f"Xoài cát Hòa Lộc {next(_counter)}",
        "name_en": "Hoa Loc mango",
    }
    values.update(details)
    return create_product(
        session, actor=SYSTEM, enterprise=enterprise, details=ProductDetails(**values)
    )  # type: ignore[arg-type]


def make_location(
    session: Session, *, enterprise: Enterprise, kind: LocationKind = LocationKind.farm
) -> Location:
    return create_location(
        session,
        actor=SYSTEM,
        enterprise=enterprise,
        name=f"Vườn {next(_counter)}",
        kind=kind,
        ward_code=WARD_CAI_BE,
        latitude=10.34,
        longitude=106.03,
    )


def make_lot(
    session: Session, *, product: Product, code: str | None = None, expiry_on: dt.date | None = None
) -> Lot:
    today = dt.date.today()
    return create_lot(
        session,
        actor=SYSTEM,
        product=product,
        code=code or f"L{next(_counter):05d}",
        production_on=today,
        expiry_on=expiry_on or today + dt.timedelta(days=30),
        quantity=Decimal(100),
        unit="KGM",
    )


def make_certificate(
    session: Session,
    *,
    enterprise: Enterprise,
    product: Product | None = None,
    kind: CertificateKind = CertificateKind.ocop,
) -> Certificate:
    today = dt.date.today()
    return create_certificate(
        session,
        actor=SYSTEM,
        enterprise=enterprise,
        kind=kind,
        number=f"C-{next(_counter)}",
        issuer="UBND tỉnh Đồng Tháp",
        valid_from=today - dt.timedelta(days=10),
        valid_until=today + dt.timedelta(days=365),
        stars=4 if kind is CertificateKind.ocop else None,
        product=product,
    )


def make_user(
    session: Session, *, role: Role = Role.enterprise, enterprise: Enterprise | None = None
) -> User:
    return create_user(
        session,
        actor=SYSTEM,
        email=f"user{next(_counter)}@example.vn",
        password=PASSWORD,
        role=role,
        enterprise=enterprise,
    )


def api_headers(
    session: Session,
    *,
    role: Role = Role.enterprise,
    enterprise: Enterprise | None = None,
    scope: KeyScope = KeyScope.write,
) -> dict[str, str]:
    """A key's Authorization header; an agency key acts as an officer unless asked to
    read only."""
    issued = create_api_key(session, actor=SYSTEM, role=role, enterprise=enterprise, scope=scope)
    session.flush()
    return {"Authorization": f"Bearer {issued.secret}"}


def actor_of(enterprise: Enterprise) -> Actor:
    return Actor(role=Role.enterprise, label="test", enterprise_id=enterprise.id)


def certificate_scan(*, image_format: str = "PNG") -> bytes:
    """A small image standing for the scan of a GS1 Vietnam certificate."""
    image = Image.new("RGB", (320, 220), (250, 250, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 310, 210), outline=(20, 60, 140), width=4)
    draw.text((30, 40), "GS1 VIET NAM", fill=(20, 60, 140))
    draw.text((30, 80), "GIAY CHUNG NHAN", fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, format=image_format)
    return out.getvalue()


def consumer_photo(*, size: tuple[int, int] = (320, 240)) -> bytes:
    """A photo a consumer sends with a report, as a phone saves it (JPEG)."""
    out = io.BytesIO()
    Image.new("RGB", size, (180, 40, 40)).save(out, "JPEG")
    return out.getvalue()


def prefix_request_body(prefix: str, **changes: object) -> dict[str, object]:
    """An API request for the enterprise's own licensed prefix, with complete evidence."""
    today = dt.date.today()
    body: dict[str, object] = {
        "source": "own",
        "prefix": prefix,
        "licence_number": f"GCN-{prefix}/GS1VN",
        "licence_valid_from": (today - dt.timedelta(days=30)).isoformat(),
        "licence_valid_until": (today + dt.timedelta(days=365 * 3)).isoformat(),
        "certificate_scan": base64.b64encode(certificate_scan()).decode(),
    }
    body.update(changes)
    return body


def epcis_document(*events: dict[str, Any], day: str) -> dict[str, Any]:
    """An EPCISDocument carrying `events`, created on `day` (YYYY-MM-DD)."""
    return {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": f"{day}T08:00:00.000Z",
        "epcisBody": {"eventList": list(events)},
    }


def lot_with_api_headers(session: Session) -> tuple[Lot, dict[str, str]]:
    """A lot of a new enterprise, and the headers of an API key of that enterprise."""
    enterprise = make_enterprise(session)
    lot = make_lot(session, product=make_product(session, enterprise=enterprise))
    return lot, api_headers(session, enterprise=enterprise)


def make_export_lot(session: Session, *, enterprise: Enterprise, market: str = "CN") -> Lot:
    """A durian lot for `market` from a growing area and a packhouse whose codes are active
    for it (VN-DTOR-…, VN-DTPH-…), its product named in Chinese, harvested 15/06/2026."""
    area = make_location(session, enterprise=enterprise, kind=LocationKind.growing_area)
    packhouse = make_location(session, enterprise=enterprise, kind=LocationKind.packhouse)
    for location, prefix in ((area, "VN-DTOR"), (packhouse, "VN-DTPH")):
        record_code(
            session,
            actor=SYSTEM,
            location=location,
            code=f"{prefix}-{location.id:04d}",
            markets=[market],
            crop="Sầu riêng",
            valid_from=dt.date(2026, 1, 1),
        )
    product = make_product(
        session, enterprise=enterprise, name_vi="Sầu riêng Ri6", name_zh="Ri6 榴莲"
    )
    return create_lot(
        session,
        actor=actor_of(enterprise),
        product=product,
        code=f"SR{area.id}",
        production_on=dt.date(2026, 6, 15),
        quantity=Decimal(800),
        unit="KGM",
        origin_location=area,
        export_market=market,
        packhouse_location=packhouse,
    )
