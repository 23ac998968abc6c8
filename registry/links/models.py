"""Links that enterprises add to their identifiers (GS1 resolver link records).

A link hangs on an anchor: the path of an identified entity on the resolver, such
as `/01/08930000000017` (product), `/01/08930000000017/10/LOT1` (lot), the same with
`/21/SERIAL` (serial) or `/414/8930000000019` (location). The registry's own pages
(product page, journey, certificates ...) are not stored: they follow from its data.
"""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base
from registry.types import Timestamped


class AnchorLevel(enum.StrEnum):
    product = "product"
    lot = "lot"
    serial = "serial"
    location = "location"


class ResolverLink(Timestamped, Base):
    __tablename__ = "resolver_link"
    __table_args__ = (Index("ix_resolver_link_anchor", "anchor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    anchor: Mapped[str] = mapped_column(String(300))
    level: Mapped[AnchorLevel] = mapped_column(Enum(AnchorLevel, native_enum=False, length=16))
    link_type: Mapped[str] = mapped_column(String(64))
    href: Mapped[str] = mapped_column(String(1000))
    title: Mapped[str] = mapped_column(String(300))
    language: Mapped[str | None] = mapped_column(String(8))
    media_type: Mapped[str | None] = mapped_column(String(100))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
