from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base
from registry.types import Timestamped


class CertificateKind(enum.StrEnum):
    vietgap = "vietgap"
    ocop = "ocop"
    geographical_indication = "geographical_indication"
    haccp = "haccp"
    iso22000 = "iso22000"
    organic = "organic"
    other = "other"


class Certificate(Timestamped, Base):
    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    kind: Mapped[CertificateKind] = mapped_column(
        Enum(CertificateKind, native_enum=False, length=32)
    )
    title: Mapped[str | None] = mapped_column(String(300))
    number: Mapped[str] = mapped_column(String(120))
    issuer: Mapped[str] = mapped_column(String(300))
    stars: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date, index=True)

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)
