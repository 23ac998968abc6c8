"""Print runs. Serials are not stored one by one: serial number i of a run is
`index(i) + MAC(run key, GTIN, lot, i)`, so a run of any size costs one row, a
reprint gives the same serials, and the resolver checks a serial with one lookup."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, UTCDateTime, utcnow
from registry.lots.models import Lot


class RunStatus(enum.StrEnum):
    pending = "pending"
    rendering = "rendering"
    done = "done"
    failed = "failed"


class RunTemplate(enum.StrEnum):
    """What a run's labels carry: the product label, or an export label for the lot's market."""

    product = "product"
    export = "export"


class LabelRun(Base):
    __tablename__ = "label_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    count: Mapped[int] = mapped_column(Integer)
    serialized: Mapped[bool] = mapped_column(Boolean)
    # Serial indexes [first_index, first_index + count) within the lot.
    first_index: Mapped[int] = mapped_column(Integer, default=0)
    mac_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    layout: Mapped[str] = mapped_column(String(32))
    label_size: Mapped[str] = mapped_column(String(32), default="50x30")
    template: Mapped[RunTemplate] = mapped_column(
        Enum(RunTemplate, native_enum=False, length=16),
        default=RunTemplate.product,
        server_default=RunTemplate.product.value,
    )
    status: Mapped[RunStatus] = mapped_column(
        Enum(RunStatus, native_enum=False, length=16), default=RunStatus.pending
    )
    progress: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    output_path: Mapped[str | None] = mapped_column(String(500))
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str | None] = mapped_column(Text)
    # Which print queue renders the run ("host:pid:token"), and when it last said so:
    # with several server processes on one database, exactly one of them draws a run.
    claimed_by: Mapped[str | None] = mapped_column(String(300))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    lot: Mapped[Lot] = relationship(lazy="joined")
