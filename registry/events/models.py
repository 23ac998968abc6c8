"""EPCIS events as stored: one row per event plus index rows that make queries and tracing
use indexes instead of reading event documents.

- `epcis_event`: the event's queryable fields and its full JSON-LD (identifiers already
  in canonical GS1 Digital Link form).
- `epcis_event_epc`: one row per identifier the event names, with its role, the lot
  it belongs to, and its genealogy node (lot, else instance; never a bare GTIN).
- `epcis_trace_link`: directed genealogy edges, input → output of a transformation
  and child → parent of an aggregation; downstream follows them, upstream reverses.
- `epcis_event_party`: which enterprises an event concerns (the capturing one, and the
  owners of source and destination locations), so visibility is an indexed lookup.
- `epcis_capture`: capture jobs of the REST binding (EPCIS 2.0 §12.2 /capture).
- `epcis_event_flag`: an owner's report to the agency about an event another
  enterprise recorded on its things.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, UTCDateTime, utcnow
from registry.types import BigIntPK, JSONType

URI_LENGTH = 500
FLAG_REASON_LENGTH = 1000


class CaptureJob(Base):
    __tablename__ = "epcis_capture"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    captured_by: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    running: Mapped[bool] = mapped_column(Boolean, default=False)
    success: Mapped[bool] = mapped_column(Boolean, default=True)
    error_behaviour: Mapped[str] = mapped_column(String(16), default="rollback")
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    new_event_count: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)


class EpcisEvent(Base):
    __tablename__ = "epcis_event"
    __table_args__ = (Index("ix_epcis_event_time_id", "event_time", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(URI_LENGTH), unique=True)
    content_hash: Mapped[str] = mapped_column(String(100))
    event_type: Mapped[str] = mapped_column(String(100), index=True)
    event_time: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    record_time: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str | None] = mapped_column(String(8))
    biz_step: Mapped[str | None] = mapped_column(String(URI_LENGTH), index=True)
    disposition: Mapped[str | None] = mapped_column(String(URI_LENGTH), index=True)
    read_point: Mapped[str | None] = mapped_column(String(URI_LENGTH), index=True)
    biz_location: Mapped[str | None] = mapped_column(String(URI_LENGTH), index=True)
    transformation_id: Mapped[str | None] = mapped_column(String(URI_LENGTH), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    """The enterprise that recorded the event; None for agency staff."""
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_by_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.id"))
    capture_id: Mapped[str | None] = mapped_column(ForeignKey("epcis_capture.id"), index=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSONType)


class EventEpc(Base):
    __tablename__ = "epcis_event_epc"
    __table_args__ = (
        Index("ix_epcis_event_epc_epc_event", "epc", "event_pk"),
        Index("ix_epcis_event_epc_node_event", "node", "event_pk"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    event_pk: Mapped[int] = mapped_column(
        ForeignKey("epcis_event.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    epc: Mapped[str] = mapped_column(String(URI_LENGTH))
    lot_key: Mapped[str | None] = mapped_column(String(URI_LENGTH), index=True)
    node: Mapped[str | None] = mapped_column(String(URI_LENGTH))
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(18, 3))
    uom: Mapped[str | None] = mapped_column(String(3))


class TraceLink(Base):
    __tablename__ = "epcis_trace_link"
    __table_args__ = (
        Index("ix_epcis_trace_link_from_to", "from_node", "to_node"),
        Index("ix_epcis_trace_link_to_from", "to_node", "from_node"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    from_node: Mapped[str] = mapped_column(String(URI_LENGTH))
    to_node: Mapped[str] = mapped_column(String(URI_LENGTH))
    kind: Mapped[str] = mapped_column(String(12))
    event_pk: Mapped[int] = mapped_column(
        ForeignKey("epcis_event.id", ondelete="CASCADE"), index=True
    )


class EventParty(Base):
    __tablename__ = "epcis_event_party"
    __table_args__ = (
        UniqueConstraint("event_pk", "enterprise_id", "relation"),
        Index("ix_epcis_event_party_enterprise_event", "enterprise_id", "event_pk"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    event_pk: Mapped[int] = mapped_column(ForeignKey("epcis_event.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    relation: Mapped[str] = mapped_column(String(12))


class EventFlag(Base):
    __tablename__ = "epcis_event_flag"
    __table_args__ = (UniqueConstraint("event_pk", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_pk: Mapped[int] = mapped_column(
        ForeignKey("epcis_event.id", ondelete="CASCADE"), index=True
    )
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    """The owner of the things the event names, who flagged it."""
    reason: Mapped[str] = mapped_column(String(FLAG_REASON_LENGTH))
    flagged_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    flagged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_note: Mapped[str | None] = mapped_column(String(FLAG_REASON_LENGTH))


EVENT_TABLES = [
    CaptureJob.__table__,
    EpcisEvent.__table__,
    EventEpc.__table__,
    TraceLink.__table__,
    EventParty.__table__,
    EventFlag.__table__,
]
