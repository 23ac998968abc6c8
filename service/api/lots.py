from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from registry.locations.service import get_location
from registry.lots import service as lots
from registry.lots.models import LotStatus
from registry.lots.schemas import LotIn, LotOut, LotPatch
from registry.market_codes.service import check_export_lot
from registry.products.service import get_product
from registry.schemas import PageOut
from service.api.common import OptionalId, PageNumber, PerPage, RecordId, page_out
from service.deps import CurrentActor, SessionDep

router = APIRouter(prefix="/lots", tags=["lots"])


@router.get("", response_model=PageOut[LotOut])
def list_lots(
    session: SessionDep,
    actor: CurrentActor,
    product_id: OptionalId = None,
    status: LotStatus | None = None,
    page: PageNumber = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    result = lots.list_lots(
        session, actor=actor, product_id=product_id, status=status, page=page, per_page=per_page
    )
    return page_out(result, LotOut)


@router.post("", response_model=LotOut, status_code=201)
def create_lot(body: LotIn, session: SessionDep, actor: CurrentActor) -> Any:
    product = get_product(session, actor=actor, product_id=body.product_id)
    origin = (
        get_location(session, actor=actor, location_id=body.origin_location_id)
        if body.origin_location_id
        else None
    )
    packhouse = (
        get_location(session, actor=actor, location_id=body.packhouse_location_id)
        if body.packhouse_location_id
        else None
    )
    lot = lots.create_lot(
        session,
        actor=actor,
        product=product,
        code=body.code,
        production_on=body.production_on,
        expiry_on=body.expiry_on,
        best_before_on=body.best_before_on,
        quantity=body.quantity,
        unit=body.unit,
        origin_location=origin,
        export_market=body.export_market,
        packhouse_location=packhouse,
    )
    check_export_lot(session, lot, actor=actor)
    return lot


@router.get("/{lot_id}", response_model=LotOut)
def get_lot(lot_id: RecordId, session: SessionDep, actor: CurrentActor) -> Any:
    return lots.get_lot(session, actor=actor, lot_id=lot_id)


@router.patch("/{lot_id}", response_model=LotOut)
def update_lot(lot_id: RecordId, body: LotPatch, session: SessionDep, actor: CurrentActor) -> Any:
    lot = lots.get_lot(session, actor=actor, lot_id=lot_id)
    lots.update_lot(session, actor=actor, lot=lot, changes=body.model_dump(exclude_unset=True))
    check_export_lot(session, lot, actor=actor)
    return lot
