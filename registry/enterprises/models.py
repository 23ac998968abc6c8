from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, UTCDateTime
from registry.types import Timestamped


class EnterpriseKind(enum.StrEnum):
    company = "company"
    cooperative = "cooperative"
    household = "household"


class EnterpriseStatus(enum.StrEnum):
    pending = "pending"
    verified = "verified"
    rejected = "rejected"
    suspended = "suspended"


class Enterprise(Timestamped, Base):
    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(primary_key=True)
    tax_code: Mapped[str] = mapped_column(String(13), unique=True)
    tax_code_kind: Mapped[str] = mapped_column(String(16))
    legal_name: Mapped[str] = mapped_column(String(300))
    trading_name: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[EnterpriseKind] = mapped_column(Enum(EnterpriseKind, native_enum=False, length=16))
    address: Mapped[str] = mapped_column(String(500), default="")
    ward_code: Mapped[str | None] = mapped_column(ForeignKey("admin_unit.code"), index=True)
    sector: Mapped[str | None] = mapped_column(String(120))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(500))
    # The registration number GACC issues an overseas food manufacturer (Decree 280, in force
    # since 1 June 2026 in place of Decree 248), kept exactly as issued.
    china_registration_number: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[EnterpriseStatus] = mapped_column(
        Enum(EnterpriseStatus, native_enum=False, length=16),
        default=EnterpriseStatus.pending,
        index=True,
    )
    status_reason: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def display_name(self) -> str:
        return self.trading_name or self.legal_name


class IdentityChangeStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


# The fields that say who a verified enterprise is: changing them needs an officer.
IDENTITY_FIELDS = ("legal_name", "tax_code", "kind")


class IdentityChange(Timestamped, Base):
    """A verified enterprise's new legal name, tax code or kind, waiting for an officer.
    Empty fields stay as they are; the enterprise row keeps its verified identity until
    the change is approved."""

    __tablename__ = "enterprise_identity_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    legal_name: Mapped[str | None] = mapped_column(String(300))
    tax_code: Mapped[str | None] = mapped_column(String(13))
    tax_code_kind: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[EnterpriseKind | None] = mapped_column(
        Enum(EnterpriseKind, native_enum=False, length=16)
    )
    status: Mapped[IdentityChangeStatus] = mapped_column(
        Enum(IdentityChangeStatus, native_enum=False, length=16),
        default=IdentityChangeStatus.pending,
        index=True,
    )
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    enterprise: Mapped[Enterprise] = relationship()

    def proposed(self) -> dict[str, object]:
        return {name: value for name in IDENTITY_FIELDS if (value := getattr(self, name))}
