from __future__ import annotations

import enum

from sqlalchemy import Enum, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base
from registry.enterprises.models import Enterprise
from registry.types import Timestamped


class LocationKind(enum.StrEnum):
    farm = "farm"
    growing_area = "growing_area"
    packhouse = "packhouse"
    factory = "factory"
    warehouse = "warehouse"
    store = "store"
    office = "office"


class Location(Timestamped, Base):
    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    gln: Mapped[str] = mapped_column(String(13), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[LocationKind] = mapped_column(Enum(LocationKind, native_enum=False, length=16))
    address: Mapped[str] = mapped_column(String(500), default="")
    ward_code: Mapped[str | None] = mapped_column(ForeignKey("admin_unit.code"), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)

    enterprise: Mapped[Enterprise] = relationship(lazy="joined")
