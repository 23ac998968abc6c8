"""Administrative units (province, ward, commune, and superseded ones) as data."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base
from registry.types import JSONType


class AdminUnit(Base):
    __tablename__ = "admin_unit"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(32))
    # No use_alter: Alembic's create_table would leave the constraint out on PostgreSQL.
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("admin_unit.code"), index=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    successor_codes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    search_name: Mapped[str] = mapped_column(String(200), index=True)

    @property
    def is_current(self) -> bool:
        return self.valid_until is None or self.valid_until > dt.date.today()
