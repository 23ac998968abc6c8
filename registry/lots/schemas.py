"""Lots in and out of the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import ConfigDict, Field

from registry.lots.models import LotStatus
from registry.schemas import Id, In, Out, Quantity


class LotIn(In):
    product_id: Id
    code: str = Field(max_length=80)
    production_on: dt.date | None = None
    expiry_on: dt.date | None = None
    best_before_on: dt.date | None = None
    quantity: Quantity | None = None
    unit: str | None = Field(default=None, max_length=3)
    origin_location_id: Id | None = None
    export_market: str | None = Field(
        default=None, max_length=2, description="ISO 3166-1 alpha-2 of the importing market"
    )
    packhouse_location_id: Id | None = None


class LotPatch(In):
    model_config = ConfigDict(extra="forbid")
    production_on: dt.date | None = None
    expiry_on: dt.date | None = None
    best_before_on: dt.date | None = None
    quantity: Quantity | None = None
    unit: str | None = Field(default=None, max_length=3)
    origin_location_id: Id | None = None
    export_market: str | None = Field(default=None, max_length=2)
    packhouse_location_id: Id | None = None


class LotOut(Out):
    id: int
    product_id: int
    code: str
    production_on: dt.date | None
    expiry_on: dt.date | None
    best_before_on: dt.date | None
    quantity: Decimal | None
    unit: str | None
    origin_location_id: int | None
    export_market: str | None
    packhouse_location_id: int | None
    status: LotStatus
