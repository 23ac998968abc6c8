from __future__ import annotations

import enum

from sqlalchemy import Enum, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base


class GpcLevel(enum.StrEnum):
    """The four levels of the GPC schema, top down (GPC Standard §2: segment, family,
    class, brick); attribute types and values below bricks are not kept."""

    segment = "segment"
    family = "family"
    class_ = "class"
    brick = "brick"


class GpcCategory(Base):
    """One segment, family, class or brick of the GPC publication the agency loaded.

    Products keep their brick code as text, not a foreign key: loading the next GPC
    publication replaces these rows, and a product whose brick was retired shows it as
    missing from its completeness rather than blocking the load."""

    __tablename__ = "gpc_category"
    __table_args__ = (Index("ix_gpc_category_level_title", "level", "title"),)

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    level: Mapped[GpcLevel] = mapped_column(
        Enum(
            GpcLevel,
            native_enum=False,
            length=16,
            values_callable=lambda levels: [level.value for level in levels],
        )
    )
    title: Mapped[str] = mapped_column(String(300))
    parent_code: Mapped[str | None] = mapped_column(String(8))
