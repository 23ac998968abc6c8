"""Planting-area and packing-house codes, read-only: an enterprise sees its locations'
codes and their status per market; an officer sees every code (officers change codes
in the agency pages)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from registry.market_codes import service as market_codes
from registry.market_codes.schemas import MarketCodeChangeOut, MarketCodeOut
from service.api.common import OptionalId, RecordId
from service.deps import CurrentActor, SessionDep

router = APIRouter(prefix="/market-codes", tags=["market codes"])


@router.get("", response_model=list[MarketCodeOut])
def list_market_codes(
    session: SessionDep,
    actor: CurrentActor,
    enterprise_id: OptionalId = None,
    location_id: OptionalId = None,
) -> Any:
    return market_codes.list_codes(
        session, actor=actor, enterprise_id=enterprise_id, location_id=location_id
    )


@router.get("/{code_id}", response_model=MarketCodeOut)
def get_market_code(code_id: RecordId, session: SessionDep, actor: CurrentActor) -> Any:
    return market_codes.get_code(session, actor=actor, code_id=code_id)


@router.get("/{code_id}/history", response_model=list[MarketCodeChangeOut])
def market_code_history(code_id: RecordId, session: SessionDep, actor: CurrentActor) -> Any:
    market_code = market_codes.get_code(session, actor=actor, code_id=code_id)
    return market_codes.code_history(session, market_code=market_code)
