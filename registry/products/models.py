from __future__ import annotations

import enum
from decimal import Decimal

from sqlalchemy import Enum, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base
from registry.enterprises.models import Enterprise
from registry.types import Timestamped


class ProductStatus(enum.StrEnum):
    active = "active"
    withdrawn = "withdrawn"


class Product(Timestamped, Base):
    __tablename__ = "product"
    # The statistics facts cache reads the latest write on every page view
    # (registry/stats/facts_cache.py); with this index that is one index entry.
    __table_args__ = (Index("ix_product_updated_at", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    prefix_id: Mapped[int | None] = mapped_column(ForeignKey("company_prefix.id"))
    gtin: Mapped[str] = mapped_column(String(14), unique=True)
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    # Printed on export labels for China and shown on the zh-Hans consumer page.
    name_zh: Mapped[str | None] = mapped_column(String(300))
    brand: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(120), index=True)
    description_vi: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    net_content: Mapped[str | None] = mapped_column(String(64))
    image_path: Mapped[str | None] = mapped_column(String(300))
    # Verified by GS1 core attributes (registry/products/master_data.py).
    image_url: Mapped[str | None] = mapped_column(String(500))
    gpc_brick_code: Mapped[str | None] = mapped_column(String(8))
    net_content_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 3))
    net_content_unit: Mapped[str | None] = mapped_column(String(3))
    # ISO 3166-1 numeric codes, space-separated: "704 156".
    target_markets: Mapped[str | None] = mapped_column(String(64))
    standards_applied: Mapped[str | None] = mapped_column(Text)
    warnings_vi: Mapped[str | None] = mapped_column(Text)
    warnings_en: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ProductStatus] = mapped_column(
        Enum(ProductStatus, native_enum=False, length=16), default=ProductStatus.active
    )

    enterprise: Mapped[Enterprise] = relationship(lazy="joined")

    @property
    def gtin13(self) -> str | None:
        return self.gtin[1:] if self.gtin.startswith("0") else None
