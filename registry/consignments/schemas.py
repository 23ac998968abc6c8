"""Consignments in and out of the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field

from registry.consignments.details import TreatmentKind
from registry.schemas import Id, In, Out, Quantity

MAX_LOTS = 50
MAX_LAB_RESULTS = 30
MAX_SEALS = 10

Measure = Field(default=None, gt=0, le=100_000, decimal_places=3)


class ConsignedLotIn(In):
    lot_id: Id
    quantity: Quantity
    unit: str = Field(min_length=2, max_length=3)


class ImporterIn(In):
    name: str = Field(min_length=1, max_length=200)
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    address: str = Field(default="", max_length=300)


class TreatmentIn(In):
    kind: TreatmentKind = TreatmentKind.none
    dose_gy: Decimal | None = Measure
    temperature_c: Decimal | None = Measure
    duration_minutes: int | None = Field(default=None, ge=1, le=100_000)
    agent: str | None = Field(default=None, max_length=100)
    concentration_g_m3: Decimal | None = Measure


class LabResultIn(In):
    lab: str = Field(min_length=1, max_length=200)
    report_number: str = Field(min_length=1, max_length=64)
    analyte: str = Field(min_length=1, max_length=200)
    result: str = Field(min_length=1, max_length=64)
    limit: str = Field(default="", max_length=64)
    passed: bool


class ConsignmentIn(In):
    location_id: Id = Field(description="The packhouse the goods leave from (its GLN)")
    market: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    lots: list[ConsignedLotIn] = Field(min_length=1, max_length=MAX_LOTS)
    importer: ImporterIn
    certificate_number: str = Field(min_length=1, max_length=64)
    additional_declarations: str = Field(default="", max_length=2000)
    treatment: TreatmentIn = Field(default_factory=TreatmentIn)
    lab_results: list[LabResultIn] = Field(default_factory=list, max_length=MAX_LAB_RESULTS)
    container_number: str = Field(min_length=11, max_length=15)
    seal_numbers: list[Annotated[str, Field(min_length=1, max_length=30)]] = Field(
        default_factory=list, max_length=MAX_SEALS
    )
    departed_on: dt.date
    port_of_loading: str = Field(min_length=1, max_length=120)
    port_of_discharge: str = Field(min_length=1, max_length=120)


class ConsignedLotOut(Out):
    lot_id: int
    quantity: Decimal
    unit: str


class ConsignmentOut(Out):
    id: int
    enterprise_id: int
    location_id: int
    market: str
    importer_name: str
    importer_country: str
    importer_address: str
    certificate_number: str
    additional_declarations: str
    treatment: dict[str, Any]
    lab_results: list[dict[str, Any]]
    container_number: str
    seal_numbers: list[str]
    departed_on: dt.date
    port_of_loading: str
    port_of_discharge: str
    event_id: str | None
    lots: list[ConsignedLotOut]
