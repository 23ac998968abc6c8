"""Process steps, tracing and export for people who do not speak EPCIS."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from registry.actor import not_found
from registry.errors import InvalidInput
from registry.events import export, steps
from registry.events.steps import LotQuantity
from registry.events.trace import DEFAULT_MAX_DEPTH, lot_node, recall_impact, trace
from registry.locations.models import Location
from registry.locations.service import get_location
from registry.lots.models import Lot
from registry.schemas import MAX_ID, Id, In, Quantity
from service.api.common import OptionalId, RecordId
from service.deps import CurrentActor, SessionDep

router = APIRouter(tags=["steps"])


class StepOut(BaseModel):
    event_id: str
    sscc: str | None = Field(default=None, max_length=32)


class Amount(In):
    quantity: Quantity | None = None
    unit: str | None = Field(default=None, min_length=2, max_length=3)
    occurred_at: dt.datetime | None = None


class HarvestIn(In):
    location_id: Id
    harvested_on: dt.date
    quantity: Quantity
    unit: str = Field(min_length=2, max_length=3)
    growing_area_id: Id | None = None


class LotAmount(In):
    lot_id: Id
    quantity: Quantity | None = None
    unit: str | None = Field(default=None, min_length=2, max_length=3)


class TransformIn(Amount):
    location_id: Id
    inputs: list[LotAmount] = Field(min_length=1)


class ShipIn(Amount):
    from_location_id: Id
    to_gln: str = Field(max_length=32)
    despatch_advice: str | None = Field(default=None, max_length=80)


class ReceiveIn(Amount):
    location_id: Id
    from_gln: str = Field(max_length=32)
    despatch_advice: str | None = Field(default=None, max_length=80)


class InspectIn(In):
    location_id: Id
    passed: bool
    sampling: bool = False
    report_number: str | None = Field(default=None, max_length=80)
    occurred_at: dt.datetime | None = None


class StoreIn(In):
    location_id: Id
    occurred_at: dt.datetime | None = None


class RecallIn(In):
    location_id: Id | None = None
    reason: str | None = Field(default=None, max_length=2000)
    occurred_at: dt.datetime | None = None


class PalletIn(In):
    location_id: Id
    contents: list[LotAmount] = Field(min_length=1)
    sscc: str | None = Field(default=None, max_length=32)
    occurred_at: dt.datetime | None = None


def _lot(session: SessionDep, lot_id: int) -> Lot:
    # Goods received from a partner are someone else's lots; the capture checks decide
    # whether this enterprise may record a step for them.
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise not_found(("lô hàng", "lot"))
    return lot


def _place(session: SessionDep, actor: CurrentActor, location_id: int) -> Location:
    return get_location(session, actor=actor, location_id=location_id)


@router.post("/lots/{lot_id}/harvest", status_code=201, response_model=StepOut)
def harvest(lot_id: RecordId, body: HarvestIn, session: SessionDep, actor: CurrentActor) -> Any:
    area = _place(session, actor, body.growing_area_id) if body.growing_area_id else None
    event_id = steps.record_harvest(
        session,
        actor=actor,
        lot=_lot(session, lot_id),
        location=_place(session, actor, body.location_id),
        harvested_on=body.harvested_on,
        quantity=body.quantity,
        unit=body.unit,
        growing_area=area,
    )
    return StepOut(event_id=event_id)


def _transform(
    lot_id: RecordId, body: TransformIn, session: SessionDep, actor: CurrentActor, *, packing: bool
) -> StepOut:
    inputs = [LotQuantity(_lot(session, i.lot_id), i.quantity, i.unit) for i in body.inputs]
    output = LotQuantity(_lot(session, lot_id), body.quantity, body.unit)
    event_id = steps.record_transformation(
        session,
        actor=actor,
        inputs=inputs,
        outputs=[output],
        location=_place(session, actor, body.location_id),
        packing=packing,
        occurred_at=body.occurred_at,
    )
    return StepOut(event_id=event_id)


@router.post("/lots/{lot_id}/pack", status_code=201, response_model=StepOut)
def pack(lot_id: RecordId, body: TransformIn, session: SessionDep, actor: CurrentActor) -> Any:
    """The lot in the path is made by packing the input lots."""
    return _transform(lot_id, body, session, actor, packing=True)


@router.post("/lots/{lot_id}/process", status_code=201, response_model=StepOut)
def process(lot_id: RecordId, body: TransformIn, session: SessionDep, actor: CurrentActor) -> Any:
    """The lot in the path is made by processing the input lots."""
    return _transform(lot_id, body, session, actor, packing=False)


@router.post("/lots/{lot_id}/ship", status_code=201, response_model=StepOut)
def ship(lot_id: RecordId, body: ShipIn, session: SessionDep, actor: CurrentActor) -> Any:
    event_id = steps.record_shipping(
        session,
        actor=actor,
        from_location=_place(session, actor, body.from_location_id),
        to_gln=body.to_gln,
        lot=LotQuantity(_lot(session, lot_id), body.quantity, body.unit),
        occurred_at=body.occurred_at,
        despatch_advice=body.despatch_advice,
    )
    return StepOut(event_id=event_id)


@router.post("/lots/{lot_id}/receive", status_code=201, response_model=StepOut)
def receive(lot_id: RecordId, body: ReceiveIn, session: SessionDep, actor: CurrentActor) -> Any:
    event_id = steps.record_receiving(
        session,
        actor=actor,
        at_location=_place(session, actor, body.location_id),
        from_gln=body.from_gln,
        lot=LotQuantity(_lot(session, lot_id), body.quantity, body.unit),
        occurred_at=body.occurred_at,
        despatch_advice=body.despatch_advice,
    )
    return StepOut(event_id=event_id)


@router.post("/lots/{lot_id}/inspect", status_code=201, response_model=StepOut)
def inspect(lot_id: RecordId, body: InspectIn, session: SessionDep, actor: CurrentActor) -> Any:
    event_id = steps.record_inspection(
        session,
        actor=actor,
        lot=_lot(session, lot_id),
        location=_place(session, actor, body.location_id),
        passed=body.passed,
        sampling=body.sampling,
        report_number=body.report_number,
        occurred_at=body.occurred_at,
    )
    return StepOut(event_id=event_id)


@router.post("/lots/{lot_id}/store", status_code=201, response_model=StepOut)
def store(lot_id: RecordId, body: StoreIn, session: SessionDep, actor: CurrentActor) -> Any:
    event_id = steps.record_storage(
        session,
        actor=actor,
        lot=_lot(session, lot_id),
        location=_place(session, actor, body.location_id),
        occurred_at=body.occurred_at,
    )
    return StepOut(event_id=event_id)


@router.post("/lots/{lot_id}/recall", status_code=201, response_model=StepOut)
def recall(lot_id: RecordId, body: RecallIn, session: SessionDep, actor: CurrentActor) -> Any:
    location = _place(session, actor, body.location_id) if body.location_id else None
    event_id = steps.record_recall(
        session,
        actor=actor,
        lot=_lot(session, lot_id),
        location=location,
        reason=body.reason,
        occurred_at=body.occurred_at,
    )
    return StepOut(event_id=event_id)


@router.post("/pallets", status_code=201, response_model=StepOut)
def build_pallet(body: PalletIn, session: SessionDep, actor: CurrentActor) -> Any:
    pallet = steps.build_pallet(
        session,
        actor=actor,
        location=_place(session, actor, body.location_id),
        contents=[LotQuantity(_lot(session, c.lot_id), c.quantity, c.unit) for c in body.contents],
        sscc=body.sscc,
        occurred_at=body.occurred_at,
    )
    return StepOut(event_id=pallet.event_id, sscc=pallet.sscc)


@router.post("/pallets/{sscc}/ship", status_code=201, response_model=StepOut)
def ship_pallet(sscc: str, body: ShipIn, session: SessionDep, actor: CurrentActor) -> Any:
    event_id = steps.record_shipping(
        session,
        actor=actor,
        from_location=_place(session, actor, body.from_location_id),
        to_gln=body.to_gln,
        sscc=sscc,
        occurred_at=body.occurred_at,
        despatch_advice=body.despatch_advice,
    )
    return StepOut(event_id=event_id, sscc=sscc)


@router.post("/pallets/{sscc}/receive", status_code=201, response_model=StepOut)
def receive_pallet(sscc: str, body: ReceiveIn, session: SessionDep, actor: CurrentActor) -> Any:
    event_id = steps.record_receiving(
        session,
        actor=actor,
        at_location=_place(session, actor, body.location_id),
        from_gln=body.from_gln,
        sscc=sscc,
        occurred_at=body.occurred_at,
        despatch_advice=body.despatch_advice,
    )
    return StepOut(event_id=event_id, sscc=sscc)


def _identifier(session: SessionDep, epc: str | None, lot_id: int | None) -> str:
    if (epc is None) == (lot_id is None):
        raise InvalidInput(
            "Cần đúng một trong hai: epc hoặc lot_id.",
            "Give exactly one of epc or lot_id.",
            field="epc",
        )
    return epc if epc is not None else lot_node(_lot(session, lot_id or 0))


Depth = Annotated[int, Query(ge=1, le=1000)]


@router.get("/trace")
def get_trace(
    session: SessionDep,
    actor: CurrentActor,
    epc: str | None = None,
    lot_id: OptionalId = None,
    max_depth: Depth = DEFAULT_MAX_DEPTH,
) -> Any:
    """Upstream and downstream genealogy with depth, places and parties."""
    found = trace(
        session, actor=actor, identifier=_identifier(session, epc, lot_id), max_depth=max_depth
    )
    return dataclasses.asdict(found) | {
        "one_step_back": [dataclasses.asdict(n) for n in found.one_step_back],
        "one_step_forward": [dataclasses.asdict(n) for n in found.one_step_forward],
    }


@router.get("/trace/recall-impact")
def get_recall_impact(
    session: SessionDep,
    actor: CurrentActor,
    epc: str | None = None,
    lot_id: OptionalId = None,
    max_depth: Depth = DEFAULT_MAX_DEPTH,
) -> Any:
    """Every downstream lot and every enterprise that handled or received any of it."""
    impact = recall_impact(
        session, actor=actor, identifier=_identifier(session, epc, lot_id), max_depth=max_depth
    )
    return dataclasses.asdict(impact)


@router.get(
    "/events/export",
    response_class=Response,
    responses={
        200: {
            "description": "The events as a spreadsheet or an EPCIS document",
            "content": {
                "text/csv": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                "application/ld+json": {},
            },
        }
    },
)
def export_events(
    session: SessionDep,
    actor: CurrentActor,
    format: Literal["csv", "xlsx", "epcis"] = "csv",
    lot_id: Annotated[list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None, Query()] = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Response:
    lots = [_lot(session, i) for i in lot_id or []]
    events = export.select_events(session, actor=actor, lots=lots, since=since, until=until)
    if format == "epcis":
        return JSONResponse(export.to_epcis(events), media_type="application/ld+json")
    rows = export.export_rows(session, events)
    if format == "xlsx":
        return Response(
            export.to_xlsx(rows),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": 'attachment; filename="events.xlsx"'},
        )
    return Response(
        export.to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="events.csv"'},
    )
