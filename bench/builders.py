"""The data the benchmarks run on, built through the registry's own services: bench/ builds
its own, so the test factories stay free to change with the tests."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from sqlalchemy.orm import Session

from registry.actor import SYSTEM
from registry.enterprises.models import EnterpriseKind
from registry.enterprises.service import EnterpriseDetails, register_enterprise, verify_enterprise
from registry.lots.models import Lot
from registry.lots.service import create_lot
from registry.prefixes.service import record_granted_prefix
from registry.products.service import ProductDetails, create_product
from registry.vn import mst_check_digit

WARD_CAI_BE = "28360"
_numbers = itertools.count(1)


def _tax_code(number: int) -> str:
    """The `number`-th valid tax code of the bench (some nine-digit stems have none)."""
    for stem in itertools.count(300_000_000 + number * 10):
        check = mst_check_digit(str(stem))
        if check is not None:
            return f"{stem}{check}"
    raise AssertionError("unreachable")


def registered_lot(session: Session, *, lot_code: str = "BENCH-1") -> Lot:
    """A verified cooperative with a granted prefix, one product and one lot of it."""
    number = next(_numbers)
    enterprise = register_enterprise(
        session,
        actor=SYSTEM,
        tax_code=_tax_code(number),
        details=EnterpriseDetails(
            legal_name=f"Hợp tác xã Đo tải {number}",
            kind=EnterpriseKind.cooperative,
            address="Ấp 1, xã Cái Bè",
            ward_code=WARD_CAI_BE,
        ),
    )
    verify_enterprise(session, actor=SYSTEM, enterprise=enterprise)
    record_granted_prefix(session, actor=SYSTEM, enterprise=enterprise, prefix=f"89362{number:04d}")
    product = create_product(
        session,
        actor=SYSTEM,
        enterprise=enterprise,
        details=ProductDetails(name_vi=f"Xoài cát Hòa Lộc {number}", name_en="Hoa Loc mango"),
    )
    today = dt.date.today()
    return create_lot(
        session,
        actor=SYSTEM,
        product=product,
        code=lot_code,
        production_on=today,
        expiry_on=today + dt.timedelta(days=30),
        quantity=Decimal(100),
        unit="KGM",
    )
