from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, UTCDateTime, utcnow


class Recall(Base):
    """A recall of a whole product (lot_id is None) or of one lot, with its notice."""

    __tablename__ = "recall"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"), index=True)
    reason_vi: Mapped[str] = mapped_column(Text)
    reason_en: Mapped[str | None] = mapped_column(Text)
    notice_vi: Mapped[str] = mapped_column(Text)
    notice_en: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(300))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
