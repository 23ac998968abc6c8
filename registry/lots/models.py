from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import Date, Enum, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base
from registry.locations.models import Location
from registry.products.models import Product
from registry.types import Timestamped


class LotStatus(enum.StrEnum):
    active = "active"
    recalled = "recalled"
    withdrawn = "withdrawn"


class Lot(Timestamped, Base):
    __tablename__ = "lot"
    __table_args__ = (UniqueConstraint("product_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    production_on: Mapped[dt.date | None] = mapped_column(Date)
    expiry_on: Mapped[dt.date | None] = mapped_column(Date)
    best_before_on: Mapped[dt.date | None] = mapped_column(Date)
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(18, 3))
    # UN/ECE Recommendation 20 unit code, as EPCIS quantityElement.uom uses.
    unit: Mapped[str | None] = mapped_column(String(3))
    origin_location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    # ISO 3166-1 alpha-2 of the importing market; set, the export guard applies.
    export_market: Mapped[str | None] = mapped_column(String(2))
    packhouse_location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    status: Mapped[LotStatus] = mapped_column(
        Enum(LotStatus, native_enum=False, length=16), default=LotStatus.active
    )

    product: Mapped[Product] = relationship(lazy="joined")
    origin_location: Mapped[Location | None] = relationship(foreign_keys=[origin_location_id])
    packhouse_location: Mapped[Location | None] = relationship(foreign_keys=[packhouse_location_id])
