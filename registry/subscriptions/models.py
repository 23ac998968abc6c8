"""Named queries, their subscriptions and the deliveries that could not be made.

- `epcis_named_query`: a SimpleEventQuery kept under a name, in its owner's namespace
  (one enterprise, or the agency), as the JSON query the REST binding describes.
- `epcis_subscription`: who is notified of what the query matches, how (webhook or
  WebSocket) and when (stream or schedule), acting as the key or user that subscribed;
  `cursor_event_pk` is the last event it has been sent or was not to be sent: events
  become visible in id order (registry.events.capture takes the capture lock), so
  everything above the cursor is still to be looked at, and nothing below it is.
- `epcis_dead_letter`: a batch a webhook refused for good or never took after every
  retry, kept with its eventIDs and the last error so it can be looked at and resent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from registry.actor import Role
from registry.db import Base, UTCDateTime, utcnow
from registry.types import BigIntPK, JSONType

QUERY_NAME_LENGTH = 100
DEST_LENGTH = 2000
SIGNATURE_TOKEN_LENGTH = 256
ERROR_LENGTH = 1000


class NamedQuery(Base):
    __tablename__ = "epcis_named_query"
    __table_args__ = (UniqueConstraint("owner", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(40), index=True)
    """`enterprise:<id>` or `agency`: whose namespace the name is in."""
    name: Mapped[str] = mapped_column(String(QUERY_NAME_LENGTH))
    query: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_by: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Subscription(Base):
    __tablename__ = "epcis_subscription"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    query_id: Mapped[int] = mapped_column(
        ForeignKey("epcis_named_query.id", ondelete="CASCADE"), index=True
    )
    owner: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    """`webhook` or `websocket` (kept only while its connection is open)."""
    # Who it acts as: what the subscriber's own events query would show, and no more.
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.id"))
    actor_label: Mapped[str] = mapped_column(String(300))
    dest: Mapped[str | None] = mapped_column(String(DEST_LENGTH))
    signature_token: Mapped[str | None] = mapped_column(String(SIGNATURE_TOKEN_LENGTH))
    stream: Mapped[bool] = mapped_column(Boolean, default=False)
    schedule: Mapped[dict[str, str] | None] = mapped_column(JSONType)
    report_if_empty: Mapped[bool] = mapped_column(Boolean, default=False)
    initial_record_time: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    cursor_event_pk: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Failed attempts at the batch now due; back-off grows with it."""
    last_error: Mapped[str | None] = mapped_column(String(ERROR_LENGTH))
    leased_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    """A delivery worker (of any server process) is sending it until then."""


class DeadLetter(Base):
    __tablename__ = "epcis_dead_letter"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    subscription_id: Mapped[str] = mapped_column(String(40), index=True)
    owner: Mapped[str] = mapped_column(String(40), index=True)
    dest: Mapped[str] = mapped_column(String(DEST_LENGTH))
    event_ids: Mapped[list[str]] = mapped_column(JSONType)
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(String(ERROR_LENGTH))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


SUBSCRIPTION_TABLES = [NamedQuery.__table__, Subscription.__table__, DeadLetter.__table__]
