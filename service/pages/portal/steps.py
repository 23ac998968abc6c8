"""The lot's process steps, recorded through the events engineer's step verbs
(registry.events.steps: EPCIS 2.0 events with the CBV 2.0 mapping of DESIGN §4), and the
lot's journey as the consumer page shows it (registry.events.journey)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.errors import InvalidInput
from registry.events import steps as events
from registry.events.journey import JourneyStep, lot_journey
from registry.locations.models import Location
from registry.lots.models import Lot

# Viet Nam keeps one offset all year (UTC+7, no daylight saving).
VIETNAM_ZONE = dt.timezone(dt.timedelta(hours=7))
STEPS = ("harvest", "pack", "ship", "receive", "inspect")
STEP_NAMES = {
    "harvest": ("Thu hoạch", "Harvest"),
    "pack": ("Đóng gói, chế biến", "Pack or process"),
    "ship": ("Xuất hàng", "Ship"),
    "receive": ("Nhận hàng", "Receive"),
    "inspect": ("Kiểm tra, kiểm nghiệm", "Inspect or test"),
}


@dataclass(frozen=True)
class StepInput:
    step: str
    occurred_at: dt.datetime
    location: Location
    quantity: Decimal | None = None
    unit: str | None = None
    other_gln: str | None = None  # destination of a shipment, source of a receipt
    output_lot: Lot | None = None
    output_quantity: Decimal | None = None
    passed: bool = True
    party: events.Party | None = None  # the buyer or seller without a GLN


def _required(value: object, field: str, message_vi: str, message_en: str) -> None:
    if value is None or value == "":
        raise InvalidInput(message_vi, message_en, field=field)


def record_step(session: Session, *, actor: Actor, lot: Lot, step: StepInput) -> str:
    """The step as one captured event; InvalidInput names the form field to fix."""
    amount = events.LotQuantity(lot, step.quantity, step.unit)
    if step.step == "harvest":
        _required(step.quantity, "quantity", "Cần nhập số lượng.", "Enter the quantity.")
        _required(step.unit, "unit", "Cần nhập đơn vị.", "Enter the unit.")
        assert step.quantity is not None and step.unit is not None
        return events.record_harvest(
            session,
            actor=actor,
            lot=lot,
            location=step.location,
            harvested_on=step.occurred_at.astimezone(VIETNAM_ZONE).date(),
            harvested_at=step.occurred_at,
            quantity=step.quantity,
            unit=step.unit,
        )
    if step.step == "pack":
        _required(step.output_lot, "output_lot_id", "Chọn lô thành phẩm.", "Choose the output.")
        assert step.output_lot is not None
        output = events.LotQuantity(step.output_lot, step.output_quantity, step.output_lot.unit)
        return events.record_pack(
            session,
            actor=actor,
            inputs=[amount],
            outputs=[output],
            location=step.location,
            occurred_at=step.occurred_at,
        )
    if step.step == "ship":
        if step.other_gln is None:
            _required(
                step.party,
                "buyer_name",
                "Nhập tên người mua (hoặc mã GLN nếu bên mua có).",
                "Enter the buyer's name (or their GLN if they have one).",
            )
        return events.record_shipping(
            session,
            actor=actor,
            from_location=step.location,
            to_gln=step.other_gln,
            buyer=step.party,
            lot=amount,
            occurred_at=step.occurred_at,
        )
    if step.step == "receive":
        if step.other_gln is None:
            _required(
                step.party,
                "seller_name",
                "Nhập tên người bán, người giao hàng (hoặc mã GLN nếu bên gửi có).",
                "Enter the seller's name (or their GLN if they have one).",
            )
        return events.record_receiving(
            session,
            actor=actor,
            at_location=step.location,
            from_gln=step.other_gln,
            seller=step.party,
            lot=amount,
            occurred_at=step.occurred_at,
        )
    if step.step == "inspect":
        return events.record_inspection(
            session,
            actor=actor,
            lot=lot,
            location=step.location,
            passed=step.passed,
            occurred_at=step.occurred_at,
        )
    raise InvalidInput("Bước không hợp lệ.", "Unknown step.", field="step")


def journey(session: Session, lot: Lot) -> list[JourneyStep]:
    """The same journey the consumer sees: this lot and the lots it came from."""
    return lot_journey(session, gtin=lot.product.gtin, lot=lot.code)
