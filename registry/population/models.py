from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, UTCDateTime, utcnow


class PopulationEntry(Base):
    """One business of the province's register (not a registry user: no foreign keys).

    `ward_code` is set only when the register's ward matched a current unit; the
    text as imported is kept in `ward_text` either way.
    """

    __tablename__ = "population_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    tax_code: Mapped[str] = mapped_column(String(13), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    ward_code: Mapped[str | None] = mapped_column(String(16), index=True)
    ward_text: Mapped[str | None] = mapped_column(String(200))
    sector: Mapped[str | None] = mapped_column(String(120), index=True)
    kind: Mapped[str | None] = mapped_column(String(16))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
