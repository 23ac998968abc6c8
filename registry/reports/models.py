"""What consumers tell the agency about a product they scanned."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, UTCDateTime, utcnow


class ReportKind(enum.StrEnum):
    counterfeit = "counterfeit"
    not_registered = "not_registered"
    wrong_information = "wrong_information"
    quality = "quality"
    expired = "expired"
    other = "other"


class ReportStatus(enum.StrEnum):
    new = "new"
    in_review = "in_review"
    closed = "closed"


class ConsumerReport(Base):
    __tablename__ = "consumer_report"
    __table_args__ = (Index("ix_consumer_report_status_created_at", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[ReportKind] = mapped_column(Enum(ReportKind, native_enum=False, length=24))
    status: Mapped[ReportStatus] = mapped_column(
        Enum(ReportStatus, native_enum=False, length=16), default=ReportStatus.new
    )
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    lot: Mapped[str | None] = mapped_column(String(20))
    serial: Mapped[str | None] = mapped_column(String(20))
    # The Digital Link path as scanned, even when it did not parse.
    scanned_path: Mapped[str | None] = mapped_column(String(500))
    verdict: Mapped[str | None] = mapped_column(String(24))
    message: Mapped[str] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(200))
    # Where the consumer says they bought it (a shop, a market), if they say.
    purchase_place: Mapped[str | None] = mapped_column(String(200))
    device_hash: Mapped[str] = mapped_column(String(32))
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_type: Mapped[str | None] = mapped_column(String(16))
    photo_width: Mapped[int | None]
    photo_height: Mapped[int | None]

    @property
    def reference(self) -> str:
        """The number the consumer is given, and the agency finds the report by."""
        return f"PA-{self.id:06d}"
