from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base
from registry.enterprises.models import Enterprise
from registry.locations.models import Location
from registry.lots.models import Lot
from registry.types import JSONType, Timestamped


class Consignment(Timestamped, Base):
    """One export shipment. Recorded once, as its shipping event: an EPCIS event is never
    edited, so neither is the consignment."""

    __tablename__ = "consignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    # The packhouse the goods leave from: the event's bizLocation.
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    # ISO 3166-1 alpha-2 of the importing market.
    market: Mapped[str] = mapped_column(String(2))
    importer_name: Mapped[str] = mapped_column(String(200))
    importer_country: Mapped[str] = mapped_column(String(2))
    importer_address: Mapped[str] = mapped_column(String(300), default="")
    # How EPCIS names the importer (owning_party of the destination).
    importer_uri: Mapped[str] = mapped_column(String(64))
    certificate_number: Mapped[str] = mapped_column(String(64))
    additional_declarations: Mapped[str] = mapped_column(Text, default="")
    # {"kind": "irradiation", "dose_gy": "400"} and so on (schemas.Treatment).
    treatment: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # [{"lab", "report_number", "analyte", "result", "limit", "passed"}] (schemas.LabResult).
    lab_results: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    container_number: Mapped[str] = mapped_column(String(11))
    seal_numbers: Mapped[list[str]] = mapped_column(JSONType)
    departed_on: Mapped[dt.date] = mapped_column(Date)
    port_of_loading: Mapped[str] = mapped_column(String(120))
    port_of_discharge: Mapped[str] = mapped_column(String(120))
    event_id: Mapped[str | None] = mapped_column(String(500))

    enterprise: Mapped[Enterprise] = relationship(lazy="joined")
    location: Mapped[Location] = relationship(lazy="joined")
    lots: Mapped[list[ConsignmentLot]] = relationship(
        order_by="ConsignmentLot.id", lazy="selectin", cascade="all, delete-orphan"
    )


class ConsignmentLot(Base):
    __tablename__ = "consignment_lot"
    __table_args__ = (UniqueConstraint("consignment_id", "lot_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consignment_id: Mapped[int] = mapped_column(ForeignKey("consignment.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(18, 3))
    # UN/ECE Recommendation 20 unit code, as EPCIS quantityElement.uom uses.
    unit: Mapped[str] = mapped_column(String(3))

    lot: Mapped[Lot] = relationship(lazy="joined")
