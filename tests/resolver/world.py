"""The resolver's registered world, one product per verdict: built by the `world`
fixture and by bench/bench_resolver.py (which imports this module, not a conftest)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from registry.actor import SYSTEM
from registry.certificates.models import CertificateKind
from registry.enterprises.models import Enterprise, EnterpriseStatus
from registry.gs1 import gs1_check_digit
from registry.locations.models import Location
from registry.lots.models import Lot
from registry.print_runs.models import LabelRun, RunStatus
from registry.print_runs.service import create_run, run_serials, void_run
from registry.products.models import Product, ProductStatus
from registry.recalls.models import Recall
from tests.factories import (
    make_certificate,
    make_enterprise,
    make_location,
    make_lot,
    make_product,
)


def free_gtin(session: Session, stem: str = "0893999") -> str:
    """A valid GTIN-14 that no product has."""
    for item in range(100000, 999999):
        body = f"{stem}{item:06d}"[:13]
        gtin = body + gs1_check_digit(body)
        if session.query(Product.id).filter(Product.gtin == gtin).first() is None:
            return gtin
    raise AssertionError("no free GTIN")


@dataclass
class World:
    enterprise: Enterprise
    product: Product
    lot: Lot
    origin: Location
    run: LabelRun
    serials: list[str]
    recalled_product: Product
    recalled_lot: Lot
    recall: Recall
    expired_lot: Lot
    withdrawn_product: Product
    suspended_product: Product
    void_lot: Lot
    void_serial: str
    unregistered_gtin: str
    never_issued_serial: str
    extra: dict[str, object] = field(default_factory=dict)

    def path(
        self, product: Product | None = None, lot: Lot | None = None, serial: str | None = None
    ) -> str:
        product = product or self.product
        text = f"/01/{product.gtin}"
        if lot is not None:
            text += f"/10/{lot.code}"
        if serial is not None:
            text += f"/21/{serial}"
        return text


def build_world(session: Session) -> World:
    enterprise = make_enterprise(session, legal_name="Hợp tác xã Xoài Cát Hòa Lộc")
    origin = make_location(session, enterprise=enterprise)
    product = make_product(
        session,
        enterprise=enterprise,
        name_vi="Xoài cát Hòa Lộc",
        name_en="Hoa Loc mango",
        standards_applied="TCVN 12828:2019",
        warnings_vi="Rửa sạch trước khi ăn.",
        warnings_en="Wash before eating.",
    )
    lot = make_lot(session, product=product, code="XOAI2026A")
    lot.origin_location_id = origin.id
    make_certificate(session, enterprise=enterprise, product=product, kind=CertificateKind.ocop)
    make_certificate(session, enterprise=enterprise, product=product, kind=CertificateKind.vietgap)
    run = create_run(session, actor=SYSTEM, lot=lot, count=5, serialized=True, layout="a4-3x7")
    serials = run_serials(run) or []
    run.status = RunStatus.done  # printed already: keep the label job from rendering it

    recalled_product = make_product(session, enterprise=enterprise, name_vi="Mắm cá linh")
    recalled_lot = make_lot(session, product=recalled_product, code="MAM01")
    recall = Recall(
        product_id=recalled_product.id,
        lot_id=recalled_lot.id,
        reason_vi="Vượt ngưỡng histamin",
        reason_en="Histamine above the limit",
        notice_vi="Ngừng sử dụng lô MAM01, trả lại nơi mua.",
        notice_en="Stop using lot MAM01 and return it.",
        created_by="test",
        started_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
    )
    session.add(recall)

    expired_lot = make_lot(session, product=product, code="XOAI2025Z")
    expired_lot.production_on = dt.date.today() - dt.timedelta(days=60)
    expired_lot.expiry_on = dt.date.today() - dt.timedelta(days=3)
    withdrawn_product = make_product(session, enterprise=enterprise, name_vi="Bánh phồng tôm")
    withdrawn_product.status = ProductStatus.withdrawn

    suspended = make_enterprise(session, legal_name="Công ty Tạm Ngưng")
    suspended_product = make_product(session, enterprise=suspended, name_vi="Nem Lai Vung")
    suspended.status = EnterpriseStatus.suspended

    void_lot = make_lot(session, product=product, code="XOAIVOID")
    void = create_run(
        session, actor=SYSTEM, lot=void_lot, count=2, serialized=True, layout="a4-3x7"
    )
    void_serial = (run_serials(void) or [""])[0]
    void.status = RunStatus.done
    void_run(session, actor=SYSTEM, run=void, reason="in lỗi")
    session.flush()

    # Same shape as a real serial, but its MAC does not match: never issued.
    forged = serials[0][:6] + ("0" if serials[0][6] != "0" else "1") + serials[0][7:]
    return World(
        enterprise=enterprise,
        product=product,
        lot=lot,
        origin=origin,
        run=run,
        serials=serials,
        recalled_product=recalled_product,
        recalled_lot=recalled_lot,
        recall=recall,
        expired_lot=expired_lot,
        withdrawn_product=withdrawn_product,
        suspended_product=suspended_product,
        void_lot=void_lot,
        void_serial=void_serial,
        unregistered_gtin=free_gtin(session),
        never_issued_serial=forged,
    )
