"""Codes as issued for growing areas and packhouses, each approved market by market.

A planting-area code (mã số vùng trồng) sits on a `growing_area` or `farm` location,
a packing-house code (mã số cơ sở đóng gói) on a `packhouse`. The importing country
approves a code for itself only, so every market has its own approval and status.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    Date,
    Enum,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, UTCDateTime, utcnow
from registry.locations.models import Location
from registry.types import BigIntPK, Timestamped

# Codes are stored exactly as issued; no issuing body's format is assumed.
CODE_LENGTH = 64


class ApprovalStatus(enum.StrEnum):
    active = "active"
    suspended = "suspended"
    revoked = "revoked"


class ChangeSource(enum.StrEnum):
    manual = "manual"
    imported = "imported"


class MarketCode(Timestamped, Base):
    __tablename__ = "market_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    # One code names one place: the same code on a second location is a borrowed code.
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    issuing_body: Mapped[str] = mapped_column(String(300), default="")
    crop: Mapped[str] = mapped_column(String(200), default="")
    area_ha: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    households: Mapped[int | None] = mapped_column(Integer)
    # RFC 7946 GeoJSON geometry (Polygon or MultiPolygon); KML uploads are converted.
    boundary: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)

    location: Mapped[Location] = relationship(lazy="joined")
    approvals: Mapped[list[MarketApproval]] = relationship(
        back_populates="market_code", order_by="MarketApproval.market", lazy="selectin"
    )


class MarketApproval(Base):
    __tablename__ = "market_approval"
    __table_args__ = (UniqueConstraint("market_code_id", "market"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    market_code_id: Mapped[int] = mapped_column(ForeignKey("market_code.id"), index=True)
    # ISO 3166-1 alpha-2 of the importing country.
    market: Mapped[str] = mapped_column(String(2))
    status: Mapped[ApprovalStatus] = mapped_column(
        Enum(ApprovalStatus, native_enum=False, length=16)
    )
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    market_code: Mapped[MarketCode] = relationship(back_populates="approvals")


class MarketCodeChange(Base):
    """The code's own history, shown with it: who changed what, from what, to what, why."""

    __tablename__ = "market_code_change"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    market_code_id: Mapped[int] = mapped_column(ForeignKey("market_code.id"), index=True)
    market: Mapped[str | None] = mapped_column(String(2))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(300))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    what: Mapped[str] = mapped_column(String(32))
    from_value: Mapped[str | None] = mapped_column(String(300))
    to_value: Mapped[str | None] = mapped_column(String(300))
    reason: Mapped[str | None] = mapped_column(String(2000))
    source: Mapped[ChangeSource] = mapped_column(
        Enum(ChangeSource, native_enum=False, length=16), default=ChangeSource.manual
    )


class YieldCeiling(Timestamped, Base):
    """The most a hectare of a crop yields in a season, set by an officer."""

    __tablename__ = "yield_ceiling"

    id: Mapped[int] = mapped_column(primary_key=True)
    crop: Mapped[str] = mapped_column(String(200))
    # The crop as compared: trimmed, case-folded, inner spaces collapsed.
    crop_key: Mapped[str] = mapped_column(String(200), unique=True)
    tonnes_per_ha: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    # The season is the twelve months from the first day of this month (1 = calendar year).
    season_start_month: Mapped[int] = mapped_column(Integer, default=1)


class GuardRefusal(Base):
    """An export lot, step or shipment the guard refused: the agency's queue."""

    __tablename__ = "export_guard_refusal"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    lot_code: Mapped[str] = mapped_column(String(20))
    market: Mapped[str] = mapped_column(String(2))
    rule: Mapped[str] = mapped_column(String(32))
    code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    attempt: Mapped[str] = mapped_column(String(32))
    message_vi: Mapped[str] = mapped_column(String(1000))
    message_en: Mapped[str] = mapped_column(String(1000))
    actor: Mapped[str] = mapped_column(String(300))
    seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    seen_by: Mapped[str | None] = mapped_column(String(300))
