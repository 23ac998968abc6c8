"""Process steps in plain words, written as EPCIS events (DESIGN §4 mapping).

harvest → ObjectEvent ADD, commissioning, with ILMD; pack / process → TransformationEvent
inputs → outputs; pallet → AggregationEvent onto an SSCC; lab test → inspecting or
sampling, conformant / non_conformant; ship / receive → ObjectEvent OBSERVE shipping /
receiving with source and destination; store → storing; recall → disposition recalled.
Every step goes through the same capture checks as an EPCIS document.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.actor import Actor, officer_reason
from registry.audit.service import record_change
from registry.db import utcnow
from registry.errors import InvalidInput
from registry.events.capture import capture_event
from registry.events.identifiers import Key
from registry.events.models import EpcisEvent, EventEpc
from registry.events.vocabulary import STANDARD_CONTEXT, TRUYXUAT_NS
from registry.gs1 import GS1Error, gs1_check_digit, parse_sscc
from registry.locations.models import Location
from registry.lots.models import Lot
from registry.market_codes.service import check_export_step
from registry.prefixes.service import default_prefix
from registry.text import text_problem

CONTEXT: Final = [STANDARD_CONTEXT, {"tx": TRUYXUAT_NS}]
VIETNAM: Final = dt.timezone(dt.timedelta(hours=7))
VIETNAM_OFFSET: Final = "+07:00"
_SSCC_SERIAL_LENGTH: Final = 16  # extension digit + company prefix + serial reference


@dataclass(frozen=True)
class LotQuantity:
    lot: Lot
    quantity: Decimal | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Pallet:
    sscc: str
    event_id: str


def lot_uri(lot: Lot) -> str:
    return Key(("01", lot.product.gtin), (("10", lot.code),)).uri()


@dataclass(frozen=True)
class Party:
    """The other side of a shipment or receipt when it has no GLN (a trader, a farmer, a
    market stall): EPCIS names it by a fresh urn:uuid, its details in tx:buyer (whom a
    shipment went to) or tx:seller (whom a receipt came from)."""

    name: str
    phone: str | None = None
    address: str | None = None
    uri: str = dataclasses.field(default_factory=lambda: f"urn:uuid:{uuid.uuid4()}")

    def as_extension(self) -> dict[str, str]:
        details = {"tx:name": self.name, "tx:phone": self.phone, "tx:address": self.address}
        return {key: value for key, value in details.items() if value}


_PHONE = re.compile(r"\+?[0-9][0-9 .]{7,18}")
PartyRole = Literal["buyer", "seller"]


def party_from(role: PartyRole, name: str, phone: str = "", address: str = "") -> Party | None:
    """The buyer or seller a person typed (form fields `{role}_name`, `{role}_phone`,
    `{role}_address`), checked; None when no name was given."""
    name, phone, address = name.strip(), phone.strip(), address.strip()
    if not name:
        return None
    for field, text, longest in (
        (f"{role}_name", name, 200),
        (f"{role}_phone", phone, 20),
        (f"{role}_address", address, 300),
    ):
        problem = text_problem(field, text, max_length=longest)
        if problem is not None:
            raise InvalidInput(problem.message_vi, problem.message_en, field=field)
    if phone and not _PHONE.fullmatch(phone):
        raise InvalidInput(
            "Số điện thoại chỉ gồm chữ số (ví dụ 0903 123 456).",
            "A phone number holds digits only (e.g. 0903 123 456).",
            field=f"{role}_phone",
        )
    return Party(name, phone or None, address or None)


def gln_uri(gln: str) -> str:
    return Key(("414", gln)).uri()


def sscc_uri(sscc: str) -> str:
    return Key(("00", sscc)).uri()


def _quantity(item: LotQuantity) -> dict[str, Any]:
    element: dict[str, Any] = {"epcClass": lot_uri(item.lot)}
    quantity = item.quantity if item.quantity is not None else item.lot.quantity
    unit = item.unit if item.unit is not None else item.lot.unit
    if quantity is not None:
        element["quantity"] = float(quantity)
        if unit:
            element["uom"] = unit
    return element


def _event(kind: str, occurred_at: dt.datetime | None, **fields: Any) -> dict[str, Any]:
    moment = (occurred_at or utcnow()).astimezone(VIETNAM)
    return {
        "type": kind,
        "eventTime": moment.isoformat(timespec="milliseconds"),
        "eventTimeZoneOffset": VIETNAM_OFFSET,
        **{k: v for k, v in fields.items() if v is not None},
    }


def _at(location: Location) -> dict[str, Any]:
    place = {"id": gln_uri(location.gln)}
    return {"readPoint": place, "bizLocation": dict(place)}


def _capture(session: Session, actor: Actor, event: dict[str, Any]) -> str:
    """Store one step as an event; what it gets wrong is refused, not reported in a job."""
    return capture_event(session, actor=actor, event={"@context": CONTEXT, **event})[0]


def record_harvest(
    session: Session,
    *,
    actor: Actor,
    lot: Lot,
    location: Location,
    harvested_on: dt.date,
    quantity: Decimal,
    unit: str,
    growing_area: Location | None = None,
    harvested_at: dt.datetime | None = None,
) -> str:
    """The lot comes into being at the farm: commissioning with its harvest ILMD.

    The event's time is harvested_at when the person gave the hour, else noon that day.
    """
    actor.ensure_sees(lot.product.enterprise_id, what=("lô hàng", "lot"))
    moment = harvested_at or dt.datetime.combine(harvested_on, dt.time(12), tzinfo=VIETNAM)
    ilmd: dict[str, Any] = {
        "cbvmda:harvestStartDate": harvested_on.isoformat(),
        "cbvmda:lotNumber": lot.code,
    }
    if lot.expiry_on:
        ilmd["cbvmda:itemExpirationDate"] = lot.expiry_on.isoformat()
    if growing_area is not None:
        ilmd["tx:growingArea"] = gln_uri(growing_area.gln)
    event = _event(
        "ObjectEvent",
        min(moment, utcnow()),
        action="ADD",
        bizStep="commissioning",
        disposition="active",
        quantityList=[_quantity(LotQuantity(lot, quantity, unit))],
        **_at(location),
        ilmd=ilmd,
    )
    return _capture(session, actor, event)


def record_transformation(
    session: Session,
    *,
    actor: Actor,
    inputs: Sequence[LotQuantity],
    outputs: Sequence[LotQuantity],
    location: Location,
    packing: bool,
    occurred_at: dt.datetime | None = None,
) -> str:
    """Packing (packing=True) or processing: inputs consumed, outputs made."""
    if not inputs or not outputs:
        raise InvalidInput(
            "Cần ít nhất một lô đầu vào và một lô đầu ra.",
            "At least one input lot and one output lot are needed.",
            field="inputs" if not inputs else "outputs",
        )
    if packing:
        for item in (*inputs, *outputs):
            check_export_step(session, item.lot, actor=actor, attempt="pack", location=location)
    event = _event(
        "TransformationEvent",
        occurred_at,
        inputQuantityList=[_quantity(i) for i in inputs],
        outputQuantityList=[_quantity(o) for o in outputs],
        bizStep="packing" if packing else "commissioning",
        disposition="active",
        **_at(location),
    )
    return _capture(session, actor, event)


def record_pack(
    session: Session,
    *,
    actor: Actor,
    inputs: Sequence[LotQuantity],
    outputs: Sequence[LotQuantity],
    location: Location,
    occurred_at: dt.datetime | None = None,
) -> str:
    return record_transformation(
        session,
        actor=actor,
        inputs=inputs,
        outputs=outputs,
        location=location,
        packing=True,
        occurred_at=occurred_at,
    )


def _new_sscc(session: Session, location: Location) -> str:
    prefix = default_prefix(session, enterprise=location.enterprise).prefix
    while True:
        reference = "".join(
            secrets.choice("0123456789") for _ in range(_SSCC_SERIAL_LENGTH - len(prefix))
        )
        body = "0" + prefix + reference
        sscc = body + gs1_check_digit(body)
        taken = session.scalar(select(EventEpc.id).where(EventEpc.epc == sscc_uri(sscc)))
        if taken is None:
            return sscc


def build_pallet(
    session: Session,
    *,
    actor: Actor,
    location: Location,
    contents: Sequence[LotQuantity],
    sscc: str | None = None,
    occurred_at: dt.datetime | None = None,
) -> Pallet:
    """Aggregate lots onto a logistic unit (SSCC), allocated from the enterprise's prefix
    when not given."""
    if not contents:
        raise InvalidInput(
            "Pallet cần ít nhất một lô hàng.", "A pallet needs at least one lot.", field="contents"
        )
    if sscc is None:
        sscc = _new_sscc(session, location)
    else:
        try:
            sscc = parse_sscc(sscc)
        except GS1Error as exc:
            raise InvalidInput(exc.message_vi, exc.message_en, field="sscc") from exc
    event = _event(
        "AggregationEvent",
        occurred_at,
        parentID=sscc_uri(sscc),
        childQuantityList=[_quantity(c) for c in contents],
        action="ADD",
        bizStep="packing",
        disposition="in_progress",
        **_at(location),
    )
    return Pallet(sscc, _capture(session, actor, event))


def _what(lot: LotQuantity | None, sscc: str | None) -> dict[str, Any]:
    if (lot is None) == (sscc is None):
        raise InvalidInput(
            "Cần đúng một trong hai: lô hàng hoặc SSCC.",
            "Give exactly one of a lot or an SSCC.",
            field="lot",
        )
    if sscc is not None:
        return {"epcList": [sscc_uri(sscc)]}
    assert lot is not None
    return {"quantityList": [_quantity(lot)]}


def _despatch_advice(gln: str, number: str | None) -> list[dict[str, str]] | None:
    # CBV 2.0 §8.5: urn:epcglobal:cbv:bt:<GLN of the issuer>:<document number>
    if not number:
        return None
    return [{"type": "desadv", "bizTransaction": f"urn:epcglobal:cbv:bt:{gln}:{number}"}]


def _other_side(
    end: Literal["source", "destination"], gln: str | None, party: Party | None
) -> dict[str, str]:
    """An EPCIS source or destination: the place's GLN, or the owning party
    when it has none."""
    if gln is not None:
        return {"type": "location", end: gln_uri(gln)}
    if party is not None:
        return {"type": "owning_party", end: party.uri}
    if end == "destination":
        raise InvalidInput(
            "Cần GLN hoặc tên của bên nhận.",
            "The receiver's GLN or name is needed.",
            field="buyer_name",
        )
    raise InvalidInput(
        "Cần GLN hoặc tên của bên gửi.", "The sender's GLN or name is needed.", field="seller_name"
    )


def record_shipping(
    session: Session,
    *,
    actor: Actor,
    from_location: Location,
    to_gln: str | None = None,
    lot: LotQuantity | None = None,
    sscc: str | None = None,
    occurred_at: dt.datetime | None = None,
    despatch_advice: str | None = None,
    buyer: Party | None = None,
) -> str:
    """Shipping to a GLN, or to a buyer without one (a trader, a market stall)."""
    if lot is not None:
        check_export_step(session, lot.lot, actor=actor, attempt="shipping", location=from_location)
    destination = _other_side("destination", to_gln, buyer)
    event = _event(
        "ObjectEvent",
        occurred_at,
        **_what(lot, sscc),
        action="OBSERVE",
        bizStep="shipping",
        disposition="in_transit",
        **_at(from_location),
        bizTransactionList=_despatch_advice(from_location.gln, despatch_advice),
        sourceList=[{"type": "location", "source": gln_uri(from_location.gln)}],
        destinationList=[destination],
        **({"tx:buyer": buyer.as_extension()} if to_gln is None and buyer else {}),
    )
    return _capture(session, actor, event)


def record_receiving(
    session: Session,
    *,
    actor: Actor,
    at_location: Location,
    from_gln: str | None = None,
    lot: LotQuantity | None = None,
    sscc: str | None = None,
    occurred_at: dt.datetime | None = None,
    despatch_advice: str | None = None,
    seller: Party | None = None,
) -> str:
    """Receiving from a GLN, or from a seller without one (a farmer, a trader)."""
    source = _other_side("source", from_gln, seller)
    event = _event(
        "ObjectEvent",
        occurred_at,
        **_what(lot, sscc),
        action="OBSERVE",
        bizStep="receiving",
        disposition="in_progress",
        **_at(at_location),
        # A despatch advice is numbered by its issuer: without the sender's GLN, by us.
        bizTransactionList=_despatch_advice(from_gln or at_location.gln, despatch_advice),
        sourceList=[source],
        destinationList=[{"type": "location", "destination": gln_uri(at_location.gln)}],
        **({"tx:seller": seller.as_extension()} if from_gln is None and seller else {}),
    )
    return _capture(session, actor, event)


def record_inspection(
    session: Session,
    *,
    actor: Actor,
    lot: Lot,
    location: Location,
    passed: bool,
    sampling: bool = False,
    report_number: str | None = None,
    occurred_at: dt.datetime | None = None,
) -> str:
    """A lab test or inspection; the report is a CBV test-result (testres) transaction."""
    report = None
    if report_number:
        report = [
            {
                "type": "testres",
                "bizTransaction": f"urn:epcglobal:cbv:bt:{location.gln}:{report_number}",
            }
        ]
    event = _event(
        "ObjectEvent",
        occurred_at,
        quantityList=[{"epcClass": lot_uri(lot)}],
        action="OBSERVE",
        bizStep="sampling" if sampling else "inspecting",
        disposition="conformant" if passed else "non_conformant",
        **_at(location),
        bizTransactionList=report,
    )
    return _capture(session, actor, event)


def record_storage(
    session: Session,
    *,
    actor: Actor,
    lot: Lot,
    location: Location,
    occurred_at: dt.datetime | None = None,
) -> str:
    event = _event(
        "ObjectEvent",
        occurred_at,
        quantityList=[{"epcClass": lot_uri(lot)}],
        action="OBSERVE",
        bizStep="storing",
        disposition="sellable_not_accessible",
        **_at(location),
    )
    return _capture(session, actor, event)


def record_recall(
    session: Session,
    *,
    actor: Actor,
    lot: Lot,
    location: Location | None = None,
    reason: str | None = None,
    occurred_at: dt.datetime | None = None,
) -> str:
    """The lot is recalled (disposition recalled); the reason rides as an extension and
    is kept in the audit log (an officer recalling an enterprise's lot must give one)."""
    enterprise_id = lot.product.enterprise_id
    why = officer_reason(actor, enterprise_id=enterprise_id, reason=reason)
    event = _event(
        "ObjectEvent",
        occurred_at,
        quantityList=[{"epcClass": lot_uri(lot)}],
        action="OBSERVE",
        bizStep="holding",
        disposition="recalled",
        **(_at(location) if location is not None else {}),
        **({"tx:recallReason": why} if why else {}),
    )
    event_id = _capture(session, actor, event)
    record_change(
        session,
        actor=actor,
        action="recall",
        entity="lot",
        entity_id=lot.id,
        enterprise_id=enterprise_id,
        after={"event_id": event_id},
        reason=why,
    )
    return event_id


def has_recorded_steps(session: Session, *, enterprise_id: int) -> bool:
    """Whether the enterprise has recorded any event (a harvest, a shipment, …)."""
    return (
        session.scalar(
            select(EpcisEvent.id).where(EpcisEvent.enterprise_id == enterprise_id).limit(1)
        )
        is not None
    )
