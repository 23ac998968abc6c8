from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, UTCDateTime
from registry.enterprises.models import Enterprise
from registry.types import Timestamped


class PrefixSource(enum.StrEnum):
    own = "own"  # licensed by the enterprise from GS1 Vietnam
    pool = "pool"  # held by the agency and assigned to an enterprise


class CompanyPrefix(Timestamped, Base):
    """A GS1 company prefix. GTIN item references count up from the bottom of its
    capacity and GLN location references count down from the top, so the two kinds
    of key never share a number."""

    __tablename__ = "company_prefix"

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(12), unique=True)
    source: Mapped[PrefixSource] = mapped_column(Enum(PrefixSource, native_enum=False, length=8))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    assigned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    next_item_reference: Mapped[int] = mapped_column(Integer, default=0)
    next_location_reference: Mapped[int] = mapped_column(Integer)

    enterprise: Mapped[Enterprise | None] = relationship()
