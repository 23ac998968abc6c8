"""Demo data: producers of the former Tiền Giang area, now in Đồng Tháp.

Loading is idempotent: what exists (by tax code, GTIN, lot code, e-mail) is kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

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
from registry.locations.models import Location, LocationKind
from registry.locations.service import create_location
from registry.lots.models import Lot
from registry.lots.service import create_lot, find_lot
from registry.places.service import sync_admin_units
from registry.prefixes.models import CompanyPrefix
from registry.prefixes.service import add_pool_prefix, record_granted_prefix
from registry.products.models import Product
from registry.products.service import ProductDetails, create_product
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


ENTERPRISES = [
    DemoEnterprise(
        "120345678",
        "Hợp tác xã Xoài cát Hòa Lộc Cái Bè",
        "HTX Xoài Hòa Lộc",
        EnterpriseKind.cooperative,
        "28360",
        "Ấp Hòa Hiệp, xã Cái Bè, tỉnh Đồng Tháp",
        "Trồng cây ăn quả",
        "8934521",
        "hoaloc@demo.truyxuat.vn",
        [
            ("Vườn xoài Hòa Hiệp", LocationKind.farm, 10.3405, 106.0298),
            ("Nhà sơ chế HTX Hòa Lộc", LocationKind.packhouse, 10.3381, 106.0321),
        ],
        [
            DemoProduct(
                "Xoài cát Hòa Lộc loại 1",
                "Hoa Loc sand mango, grade 1",
                "trái cây",
                "1 kg",
                [("XHL-2611-A", 3, 14), ("XHL-2611-B", 1, 14)],
                ocop_stars=4,
            ),
            DemoProduct(
                "Xoài cát Hòa Lộc hộp quà",
                "Hoa Loc mango gift box",
                "trái cây",
                "2 kg",
                [("XHLQ-2611", 2, 14)],
                ocop_stars=4,
            ),
            DemoProduct(
                "Xoài sấy dẻo Hòa Lộc",
                "Soft-dried Hoa Loc mango",
                "trái cây sấy",
                "200 g",
                [("XSD-2610", 40, 270)],
                warnings_vi="Bảo quản nơi khô ráo.",
                warnings_en="Keep in a dry place.",
            ),
        ],
        [
            (
                CertificateKind.vietgap,
                "VietGAP-TT-21-04-82-0012",
                "Trung tâm Chứng nhận Phù hợp",
                None,
            ),
            (CertificateKind.geographical_indication, "GI-00051", "Cục Sở hữu trí tuệ", None),
            (CertificateKind.ocop, "OCOP-DT-2025-118", "UBND tỉnh Đồng Tháp", 4),
        ],
    ),
    DemoEnterprise(
        "120456789",
        "Hợp tác xã Vú sữa Lò Rèn Vĩnh Kim",
        "HTX Vú sữa Vĩnh Kim",
        EnterpriseKind.cooperative,
        "28576",
        "Ấp Vĩnh Hòa, xã Vĩnh Kim, tỉnh Đồng Tháp",
        "Trồng cây ăn quả",
        "8934532",
        "vinhkim@demo.truyxuat.vn",
        [
            ("Vườn vú sữa Vĩnh Hòa", LocationKind.farm, 10.3522, 106.2561),
            ("Điểm thu mua Vĩnh Kim", LocationKind.packhouse, 10.3560, 106.2602),
        ],
        [
            DemoProduct(
                "Vú sữa Lò Rèn Vĩnh Kim",
                "Lo Ren star apple from Vinh Kim",
                "trái cây",
                "1 kg",
                [("VSLR-2611-01", 2, 10), ("VSLR-2611-02", 0, 10)],
                ocop_stars=4,
            ),
            DemoProduct(
                "Vú sữa Lò Rèn hộp 6 trái",
                "Lo Ren star apple, box of 6",
                "trái cây",
                "1,5 kg",
                [("VSH6-2611", 1, 10)],
            ),
            DemoProduct(
                "Sầu riêng Ri6 Vĩnh Kim",
                "Ri6 durian from Vinh Kim",
                "trái cây",
                "1 trái",
                [("SR6-2611", 2, 7)],
            ),
        ],
        [
            (
                CertificateKind.vietgap,
                "VietGAP-TT-21-04-82-0031",
                "Trung tâm Chứng nhận Phù hợp",
                None,
            ),
            (CertificateKind.ocop, "OCOP-DT-2024-077", "UBND tỉnh Đồng Tháp", 4),
        ],
    ),
    DemoEnterprise(
        "120567891",
        "Hộ kinh doanh Tôm khô Gò Công Bà Tư",
        "Tôm khô Bà Tư",
        EnterpriseKind.household,
        "28306",
        "Khu phố 3, phường Gò Công, tỉnh Đồng Tháp",
        "Chế biến thủy sản",
        "89351230",
        "tomkho@demo.truyxuat.vn",
        [("Cơ sở chế biến Bà Tư", LocationKind.factory, 10.3596, 106.6713)],
        [
            DemoProduct(
                "Tôm khô Gò Công loại đặc biệt",
                "Go Cong dried shrimp, premium",
                "thủy sản khô",
                "250 g",
                [("TK-2611", 5, 180), ("TK-2610", 35, 180)],
                warnings_vi="Có chứa tôm (giáp xác) — chất gây dị ứng.",
                warnings_en="Contains shrimp (crustacean) — allergen.",
                ocop_stars=3,
            ),
            DemoProduct(
                "Tôm khô Gò Công loại 1",
                "Go Cong dried shrimp, grade 1",
                "thủy sản khô",
                "500 g",
                [("TK1-2611", 4, 180)],
                warnings_vi="Có chứa tôm (giáp xác) — chất gây dị ứng.",
                warnings_en="Contains shrimp (crustacean) — allergen.",
            ),
            DemoProduct(
                "Mắm tôm chà Gò Công",
                "Go Cong shrimp paste",
                "nước chấm",
                "200 g",
                [("MTC-2610", 50, 365)],
                warnings_vi="Có chứa tôm (giáp xác) — chất gây dị ứng.",
                warnings_en="Contains shrimp (crustacean) — allergen.",
            ),
        ],
        [(CertificateKind.ocop, "OCOP-TG-2024-015", "UBND tỉnh Tiền Giang", 3)],
    ),
    DemoEnterprise(
        "120678912",
        "Công ty TNHH Nước mắm Mỹ Tho Hưng Thịnh",
        "Nước mắm Hưng Thịnh",
        EnterpriseKind.company,
        "28261",
        "Số 12 đường Lý Thường Kiệt, phường Mỹ Tho, tỉnh Đồng Tháp",
        "Chế biến thực phẩm",
        "89351234",
        "nuocmam@demo.truyxuat.vn",
        [
            ("Nhà thùng Hưng Thịnh", LocationKind.factory, 10.3540, 106.3650),
            ("Kho thành phẩm Mỹ Tho", LocationKind.warehouse, 10.3601, 106.3702),
        ],
        [
            DemoProduct(
                "Nước mắm cá cơm 40 độ đạm",
                "Anchovy fish sauce, 40°N",
                "nước chấm",
                "500 ml",
                [("NM40-2609", 80, 730)],
                standards="TCVN 5107:2018",
                ocop_stars=4,
            ),
            DemoProduct(
                "Nước mắm cá cơm 30 độ đạm",
                "Anchovy fish sauce, 30°N",
                "nước chấm",
                "1 l",
                [("NM30-2609", 75, 730)],
                standards="TCVN 5107:2018",
            ),
            DemoProduct(
                "Nước mắm nhĩ hộp quà",
                "First-press fish sauce gift box",
                "nước chấm",
                "2 × 250 ml",
                [("NMN-2608", 100, 730)],
                standards="TCVN 5107:2018",
            ),
        ],
        [
            (CertificateKind.haccp, "HACCP-2025-0441", "QUACERT", None),
            (CertificateKind.ocop, "OCOP-TG-2023-064", "UBND tỉnh Tiền Giang", 4),
        ],
    ),
    DemoEnterprise(
        "140123456",
        "Hợp tác xã Trà sen Tháp Mười Cao Lãnh",
        "Trà sen Cao Lãnh",
        EnterpriseKind.cooperative,
        "29869",
        "Phường Cao Lãnh, tỉnh Đồng Tháp",
        "Chế biến trà",
        "893601234",
        "trasen@demo.truyxuat.vn",
        [
            ("Đầm sen Cao Lãnh", LocationKind.growing_area, 10.4601, 105.6325),
            ("Xưởng ướp trà sen", LocationKind.factory, 10.4555, 105.6371),
        ],
        [
            DemoProduct(
                "Trà sen Tháp Mười",
                "Thap Muoi lotus tea",
                "trà",
                "100 g",
                [("TS-2610", 30, 540)],
                standards="TCVN 7975:2008",
                ocop_stars=5,
            ),
            DemoProduct(
                "Trà tim sen",
                "Lotus embryo tea",
                "trà",
                "200 g",
                [("TTS-2610", 28, 540)],
                standards="TCVN 7975:2008",
                ocop_stars=4,
            ),
            DemoProduct(
                "Hạt sen sấy", "Dried lotus seeds", "nông sản khô", "500 g", [("HSS-2611", 10, 365)]
            ),
        ],
        [
            (CertificateKind.ocop, "OCOP-DT-2023-009", "UBND tỉnh Đồng Tháp", 5),
            (CertificateKind.organic, "ORG-VN-2025-77", "Control Union Việt Nam", None),
        ],
    ),
    DemoEnterprise(
        "140234568",
        "Công ty Cổ phần Xay xát Gạo Sa Đéc",
        "Gạo Sa Đéc",
        EnterpriseKind.company,
        "29905",
        "Khóm 2, phường Sa Đéc, tỉnh Đồng Tháp",
        "Xay xát lúa gạo",
        "8931234567",
        "gao@demo.truyxuat.vn",
        [
            ("Nhà máy xay xát Sa Đéc", LocationKind.factory, 10.2935, 105.7590),
            ("Cánh đồng lớn Tân Khánh", LocationKind.farm, 10.3120, 105.7215),
        ],
        [
            DemoProduct(
                "Gạo ST25 Sa Đéc",
                "ST25 rice",
                "gạo",
                "5 kg",
                [("ST25-2611", 12, 365)],
                standards="TCVN 11888:2017",
            ),
            DemoProduct(
                "Gạo Jasmine 85",
                "Jasmine 85 rice",
                "gạo",
                "10 kg",
                [("J85-2611", 15, 365)],
                standards="TCVN 11888:2017",
            ),
            DemoProduct(
                "Gạo nếp cái hoa vàng",
                "Yellow-flower glutinous rice",
                "gạo",
                "2 kg",
                [("NCHV-2610", 30, 365)],
                standards="TCVN 11888:2017",
            ),
        ],
        [(CertificateKind.iso22000, "ISO22000-VN-3320", "Bureau Veritas", None)],
    ),
    DemoEnterprise(
        "120789123",
        "Hợp tác xã Thanh long Chợ Gạo",
        "Thanh long Chợ Gạo",
        EnterpriseKind.cooperative,
        "28594",
        "Ấp Bình Thạnh, xã Chợ Gạo, tỉnh Đồng Tháp",
        "Trồng cây ăn quả",
        "8934543",
        "thanhlong@demo.truyxuat.vn",
        [("Vườn thanh long Bình Thạnh", LocationKind.farm, 10.3531, 106.4519)],
        [
            DemoProduct(
                "Thanh long ruột đỏ Chợ Gạo",
                "Cho Gao red dragon fruit",
                "trái cây",
                "1 kg",
                [("TL-2611-R", 2, 12)],
            ),
            DemoProduct(
                "Thanh long ruột trắng Chợ Gạo",
                "Cho Gao white dragon fruit",
                "trái cây",
                "1 kg",
                [("TL-2611-W", 2, 12)],
            ),
            DemoProduct(
                "Thanh long xuất khẩu thùng 10 kg",
                "Export dragon fruit, 10 kg carton",
                "trái cây",
                "10 kg",
                [("TLX-2611", 3, 14)],
            ),
        ],
        [
            (
                CertificateKind.vietgap,
                "VietGAP-TT-21-04-82-0102",
                "Trung tâm Chứng nhận Phù hợp",
                None,
            )
        ],
    ),
    DemoEnterprise(
        "141345678",
        "Công ty TNHH Bánh phồng tôm Sa Giang Lai Vung",
        "Bánh phồng Lai Vung",
        EnterpriseKind.company,
        "30226",
        "Xã Lai Vung, tỉnh Đồng Tháp",
        "Chế biến thực phẩm",
        "89352340",
        "banhphong@demo.truyxuat.vn",
        [("Xưởng bánh phồng Lai Vung", LocationKind.factory, 10.2872, 105.6496)],
        [
            DemoProduct(
                "Bánh phồng tôm Lai Vung",
                "Lai Vung shrimp crackers",
                "bánh kẹo",
                "200 g",
                [("BPT-2611", 7, 365)],
                warnings_vi="Có chứa tôm, gluten.",
                warnings_en="Contains shrimp, gluten.",
            ),
            DemoProduct(
                "Quýt hồng Lai Vung",
                "Lai Vung pink tangerine",
                "trái cây",
                "1 kg",
                [("QH-2611", 1, 14)],
            ),
            DemoProduct(
                "Nem Lai Vung",
                "Lai Vung fermented pork roll",
                "thực phẩm chế biến",
                "10 cái",
                [("NEM-2611", 1, 5)],
                warnings_vi="Bảo quản lạnh 0–4 °C.",
                warnings_en="Keep chilled at 0–4 °C.",
            ),
        ],
        [(CertificateKind.haccp, "HACCP-2024-1190", "QUACERT", None)],
    ),
    DemoEnterprise(
        "120891234",
        "Hộ kinh doanh Mật ong Tân Phước",
        "Mật ong Tân Phước",
        EnterpriseKind.household,
        "28321",
        "Xã Tân Phước 1, tỉnh Đồng Tháp",
        "Nuôi ong",
        "8934554",
        "matong@demo.truyxuat.vn",
        [("Trại ong Tân Phước", LocationKind.farm, 10.5079, 106.2163)],
        [
            DemoProduct(
                "Mật ong hoa tràm Tân Phước",
                "Melaleuca flower honey",
                "mật ong",
                "500 ml",
                [("MO-2610", 30, 720)],
                warnings_vi="Không dùng cho trẻ dưới 1 tuổi.",
                warnings_en="Not for infants under 1 year.",
            )
        ],
        verified=False,
    ),
    DemoEnterprise(
        "120912345",
        "Hộ kinh doanh Chả lụa Cái Bè",
        "Chả lụa Cái Bè",
        EnterpriseKind.household,
        "28360",
        "Khu phố 1, xã Cái Bè, tỉnh Đồng Tháp",
        "Chế biến thực phẩm",
        "8934565",
        "chalua@demo.truyxuat.vn",
        [("Cơ sở chả lụa Cái Bè", LocationKind.factory, 10.3402, 106.0335)],
        [
            DemoProduct(
                "Chả lụa Cái Bè",
                "Cai Be pork roll",
                "thực phẩm chế biến",
                "500 g",
                [("CL-2611", 2, 10)],
                warnings_vi="Bảo quản lạnh 0–4 °C.",
                warnings_en="Keep chilled at 0–4 °C.",
            )
        ],
        suspended="Cơ sở không đạt điều kiện an toàn thực phẩm khi kiểm tra đột xuất"
        " / The premises failed an unannounced food-safety inspection",
    ),
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
                brand=spec.trading_name,
                category=item.category,
                net_content=item.net_content,
                standards_applied=item.standards,
                warnings_vi=item.warnings_vi,
                warnings_en=item.warnings_en,
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
