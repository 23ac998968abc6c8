from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, Enum, ForeignKey, Integer, String, Text
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


class PrefixRequestStatus(enum.StrEnum):
    pending = "pending"
    granted = "granted"
    rejected = "rejected"


class PrefixRequest(Timestamped, Base):
    """An enterprise asking for a prefix: its own GS1 Vietnam licence (with the evidence)
    or any number from the agency's pool. Only an officer's grant makes a CompanyPrefix."""

    __tablename__ = "prefix_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    source: Mapped[PrefixSource] = mapped_column(Enum(PrefixSource, native_enum=False, length=8))
    # The licensed prefix for `own`; for `pool`, empty until the grant picks one.
    prefix: Mapped[str | None] = mapped_column(String(12), index=True)
    licence_number: Mapped[str | None] = mapped_column(String(64))
    licence_valid_from: Mapped[dt.date | None] = mapped_column(Date)
    licence_valid_until: Mapped[dt.date | None] = mapped_column(Date)
    # The certificate scan, relative to the (private) media root.
    certificate_path: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[PrefixRequestStatus] = mapped_column(
        Enum(PrefixRequestStatus, native_enum=False, length=16),
        default=PrefixRequestStatus.pending,
        index=True,
    )
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    company_prefix_id: Mapped[int | None] = mapped_column(ForeignKey("company_prefix.id"))

    enterprise: Mapped[Enterprise] = relationship()
    company_prefix: Mapped[CompanyPrefix | None] = relationship()

    @property
    def has_certificate_scan(self) -> bool:
        return self.certificate_path is not None
