"""Demo scenes on top of the demo enterprises: print runs, months of scans, a recall, a
void run, a copied serial, an expired lot, consumer reports, a pending enterprise with a
prefix request and a business-register sample. Each scene is loaded once: it looks for
what it made before and leaves it alone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from PIL import Image, ImageDraw
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.accounts.service import create_user
from registry.actor import SYSTEM
from registry.enterprises.models import Enterprise, EnterpriseKind
from registry.enterprises.service import EnterpriseDetails, register_enterprise
from registry.lots.models import Lot
from registry.lots.service import create_lot, find_lot
from registry.population.models import PopulationEntry
from registry.population.service import import_population
from registry.prefixes.service import request_pool_prefix
from registry.print_runs.models import LabelRun
from registry.print_runs.service import create_run, run_serials, void_run
from registry.products.models import Product
from registry.recalls.models import Recall
from registry.recalls.service import RecallNotice, recall_product
from registry.reports.models import ConsumerReport
from registry.reports.service import submit_report
from registry.scans.models import Scan
from registry.settings import get_settings
from registry.vn import mst_check_digit
from service import demo_scans
from service.demo_scans import ScanMaker, ScanTarget

LAYOUT = "a4-3x7"
RUN_SIZE = 42  # two A4 sheets
GENUINE_LOT = ("Xoài cát Hòa Lộc loại 1", "XHL-2611-A")
COPIED_LOT = ("Vú sữa Lò Rèn Vĩnh Kim", "VSLR-2611-01")
VOID_LOT = ("Tôm khô Gò Công loại đặc biệt", "TK-2611")
RECALLED_LOT = ("Nem Lai Vung", "NEM-2611")
EXPIRED_LOT = ("Mắm tôm chà Gò Công", "MTC-2509")
SUSPENDED_LOT = ("Chả lụa Cái Bè", "CL-2611")
LOT_ONLY = ("Gạo ST25 Sa Đéc", "ST25-2611")
SERIALIZED = (GENUINE_LOT, COPIED_LOT, VOID_LOT, ("Trà sen Tháp Mười", "TS-2610"))
LOT_ONLY_RUNS = (LOT_ONLY, ("Nước mắm cá cơm 40 độ đạm", "NM40-2609"), RECALLED_LOT)
VOID_REASON = "Tem in lệch, số sê-ri bị nhòe / Misprinted sheet, smudged serials"
RECALL = RecallNotice(
    reason_vi="Mẫu kiểm nghiệm lô NEM-2611 vượt giới hạn Salmonella (QCVN 8-3:2012/BYT).",
    notice_vi="Không sử dụng nem lô NEM-2611; mang trả nơi mua để được hoàn tiền.",
    reason_en="Test samples of lot NEM-2611 exceed the Salmonella limit (QCVN 8-3:2012/BYT).",
    notice_en="Do not eat lot NEM-2611; return it where you bought it for a refund.",
)
PENDING_EMAIL = "buoi@demo.truyxuat.vn"
PENDING = EnterpriseDetails(
    legal_name="Hợp tác xã Bưởi da xanh Mỹ Thuận",
    trading_name="Bưởi da xanh Mỹ Thuận",
    kind=EnterpriseKind.cooperative,
    address="Ấp Mỹ Thuận, xã Hòa Long, tỉnh Đồng Tháp",
    ward_code="29869",
    sector="Trồng cây ăn quả",
    email=PENDING_EMAIL,
)
PENDING_TAX_BASE = "141456789"
REGISTER_SIZE = 160


def tax_code(first_nine: str) -> str:
    check = mst_check_digit(first_nine)
    if check is None:
        raise ValueError(f"{first_nine} cannot carry a check digit")
    return first_nine + check


def demo_lot(session: Session, product_name: str, code: str) -> Lot:
    gtin = session.scalar(select(Product.gtin).where(Product.name_vi == product_name))
    lot = find_lot(session, gtin=gtin or "", code=code)
    if lot is None:
        raise LookupError(f"demo lot {code} of {product_name} is missing")
    return lot


def _runs_of(session: Session, lot: Lot) -> list[LabelRun]:
    return list(session.scalars(select(LabelRun).where(LabelRun.lot_id == lot.id)))


def _ensure_expired_lot(session: Session, today: dt.date) -> None:
    name, code = EXPIRED_LOT
    product = session.scalar(select(Product).where(Product.name_vi == name))
    if product is None or find_lot(session, gtin=product.gtin, code=code):
        return
    produced = today - dt.timedelta(days=400)
    create_lot(
        session,
        actor=SYSTEM,
        product=product,
        code=code,
        production_on=produced,
        expiry_on=produced + dt.timedelta(days=365),
        quantity=Decimal(200),
        unit="KGM",
    )


def _ensure_runs(session: Session) -> bool:
    """Print runs (pending: the print queue renders them when the server starts).
    True when they were made now."""
    if session.scalar(select(func.count()).select_from(LabelRun)):
        return False
    for name, code in SERIALIZED:
        lot = demo_lot(session, name, code)
        create_run(session, actor=SYSTEM, lot=lot, count=RUN_SIZE, serialized=True, layout=LAYOUT)
    for name, code in LOT_ONLY_RUNS:
        lot = demo_lot(session, name, code)
        create_run(session, actor=SYSTEM, lot=lot, count=RUN_SIZE, serialized=False, layout=LAYOUT)
    voided = create_run(
        session,
        actor=SYSTEM,
        lot=demo_lot(session, *VOID_LOT),
        count=21,
        serialized=True,
        layout=LAYOUT,
    )
    void_run(session, actor=SYSTEM, run=voided, reason=VOID_REASON)
    return True


def serials_of(session: Session, lot: Lot, *, voided: bool = False) -> list[str]:
    found: list[str] = []
    for run in _runs_of(session, lot):
        if run.serialized and (run.voided_at is not None) == voided:
            found += run_serials(run) or []
    return found


def copied_serial(session: Session) -> str:
    # The last serial of the run: history() scans the others by their one buyer each.
    return serials_of(session, demo_lot(session, *COPIED_LOT))[-1]


def _scan_targets(session: Session, today: dt.date) -> list[ScanTarget]:
    targets = []
    copied = demo_lot(session, *COPIED_LOT)
    for lot in session.scalars(select(Lot).order_by(Lot.id)):
        serials = serials_of(session, lot)
        if lot.id == copied.id:
            serials = serials[:-1]
        produced = lot.production_on or today
        if lot.expiry_on is not None and lot.expiry_on < today:
            continue
        targets.append(
            ScanTarget(lot.product.gtin, lot.code, "registered", produced, tuple(serials))
        )
    start = today - dt.timedelta(days=demo_scans.DAYS)
    for product in session.scalars(select(Product).order_by(Product.id)):
        # Before this season's lots, shoppers scanned the barcode of the product alone.
        targets.append(ScanTarget(product.gtin, None, "registered", start))
    return targets


def _load_scans(session: Session, now: dt.datetime) -> int:
    maker = ScanMaker(get_settings().secret_key)
    places = demo_scans.province_places(session)
    targets = _scan_targets(session, now.date())
    records = demo_scans.history(targets, places, maker, now=now)
    lot = demo_lot(session, *COPIED_LOT)
    copied = ScanTarget(lot.product.gtin, lot.code, "genuine", now.date())
    records += demo_scans.copied_serial_scans(
        copied, copied_serial(session), places, maker, now=now
    )
    demo_scans.store(session, records)
    return len(records)


def _recall(session: Session) -> None:
    lot = demo_lot(session, *RECALLED_LOT)
    if session.scalar(select(Recall.id).where(Recall.product_id == lot.product_id)):
        return
    recall_product(session, actor=SYSTEM, product=lot.product, notice=RECALL, lots=[lot])


def report_photo() -> bytes:
    """A small photo of a label with a smudged code, drawn here so the demo needs no file."""
    image = Image.new("RGB", (320, 240), (236, 231, 214))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 280, 200), fill=(255, 255, 255), outline=(60, 60, 60), width=3)
    for x in range(60, 150, 6):
        draw.rectangle((x, 70, x + 3, 170), fill=(20, 20, 20))
    draw.ellipse((150, 90, 260, 180), fill=(150, 130, 110))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


@dataclass(frozen=True)
class DemoReport:
    kind: str
    message: str
    lot: tuple[str, str]
    verdict: str
    photo: bool = False


REPORTS = (
    DemoReport(
        "counterfeit",
        "Tem trên gói tôm khô mua ở chợ Gò Công bị nhòe, quét ra báo tem đã hủy.",
        VOID_LOT,
        "serial_void",
        photo=True,
    ),
    DemoReport(
        "quality",
        "Nem có mùi lạ dù còn hạn, cả nhà bị đau bụng sau khi ăn.",
        RECALLED_LOT,
        "recalled",
    ),
    DemoReport(
        "wrong_information",
        "Trên hộp ghi 6 trái nhưng trang truy xuất ghi 1 kg.",
        COPIED_LOT,
        "suspicious_copy",
    ),
)


def _reports(session: Session) -> None:
    first = REPORTS[0].message
    if session.scalar(select(ConsumerReport.id).where(ConsumerReport.message == first)):
        return
    for number, item in enumerate(REPORTS):
        lot = demo_lot(session, *item.lot)
        submit_report(
            session,
            kind=item.kind,
            message=item.message,
            device_hash=f"demo-report-{number}",
            gtin=lot.product.gtin,
            lot=lot.code,
            verdict=item.verdict,
            purchase_place="Chợ Gò Công" if item.photo else None,
            photo=report_photo() if item.photo else None,
        )


def _pending_enterprise(session: Session, password: str) -> None:
    code = tax_code(PENDING_TAX_BASE)
    if session.scalar(select(Enterprise.id).where(Enterprise.tax_code == code)):
        return
    enterprise = register_enterprise(session, actor=SYSTEM, tax_code=code, details=PENDING)
    create_user(
        session,
        actor=SYSTEM,
        email=PENDING_EMAIL,
        password=password,
        role=Role.enterprise,
        enterprise=enterprise,
        full_name=PENDING.legal_name,
    )
    request_pool_prefix(session, actor=SYSTEM, enterprise=enterprise)


def register_sample(session: Session, enterprises: list[Enterprise]) -> bytes:
    """A business register as the tax office exports it: the demo enterprises and other
    businesses of the province that have not registered here (yet)."""
    wards = [p.ward_code for p in demo_scans.province_places(session)] or [None]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Mã số thuế", "Tên doanh nghiệp", "Phường/xã", "Ngành nghề", "Loại hình"])
    for enterprise in enterprises:
        writer.writerow(
            [enterprise.tax_code, enterprise.legal_name, enterprise.ward_code, "", "Hợp tác xã"]
        )
    kinds = ("Công ty", "Hợp tác xã", "Hộ kinh doanh")
    sectors = ("Trồng cây ăn quả", "Chế biến thực phẩm", "Chế biến thủy sản", "Xay xát lúa gạo")
    base = 150_000_000
    written = 0
    while written < REGISTER_SIZE - len(enterprises):
        base += 7
        if mst_check_digit(str(base)) is None:
            continue
        writer.writerow(
            [
                tax_code(str(base)),
                f"Cơ sở sản xuất mẫu số {written + 1}",
                wards[written % len(wards)],
                sectors[written % len(sectors)],
                kinds[written % len(kinds)],
            ]
        )
        written += 1
    return out.getvalue().encode()


def _register(session: Session) -> None:
    if session.scalar(select(func.count()).select_from(PopulationEntry)):
        return  # a real register was imported: keep it
    enterprises = list(session.scalars(select(Enterprise).order_by(Enterprise.id)))
    import_population(session, actor=SYSTEM, data=register_sample(session, enterprises))


def load_scenes(
    session: Session, *, today: dt.date, now: dt.datetime, password: str
) -> dict[str, int]:
    _ensure_expired_lot(session, today)
    if _ensure_runs(session):
        _load_scans(session, now)
    _recall(session)
    _reports(session)
    _pending_enterprise(session, password)
    session.flush()
    _register(session)
    session.flush()
    counted = {
        "print runs": LabelRun,
        "scans": Scan,
        "consumer reports": ConsumerReport,
        "register entries": PopulationEntry,
    }
    return {
        name: session.scalar(select(func.count()).select_from(model)) or 0
        for name, model in counted.items()
    }
