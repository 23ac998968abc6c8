"""Products in and out of the API."""

from __future__ import annotations

import datetime as dt

from pydantic import ConfigDict, Field

from registry.products.models import ProductStatus
from registry.schemas import Id, In, Out, kept


class ProductIn(In):
    enterprise_id: Id | None = None
    gtin: str | None = Field(
        default=None, max_length=32, description="Leave out to allocate the next GTIN"
    )
    item_reference: int | None = Field(default=None, ge=0, le=999_999)
    prefix_id: Id | None = None
    name_vi: str = Field(min_length=1, max_length=300)
    name_en: str | None = Field(default=None, max_length=300)
    name_zh: str | None = Field(
        default=None, max_length=300, description="Chinese name (Simplified), for export labels"
    )
    brand: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=120)
    description_vi: str | None = Field(default=None, max_length=5000)
    description_en: str | None = Field(default=None, max_length=5000)
    net_content: str | None = Field(default=None, max_length=64)
    standards_applied: str | None = Field(default=None, max_length=2000)
    warnings_vi: str | None = Field(default=None, max_length=2000)
    warnings_en: str | None = Field(default=None, max_length=2000)


class ProductPatch(In):
    model_config = ConfigDict(extra="forbid")
    name_vi: str = kept(max_length=300)
    name_en: str | None = Field(default=None, max_length=300)
    name_zh: str | None = Field(
        default=None, max_length=300, description="Chinese name (Simplified), for export labels"
    )
    brand: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=120)
    description_vi: str | None = Field(default=None, max_length=5000)
    description_en: str | None = Field(default=None, max_length=5000)
    net_content: str | None = Field(default=None, max_length=64)
    standards_applied: str | None = Field(default=None, max_length=2000)
    warnings_vi: str | None = Field(default=None, max_length=2000)
    warnings_en: str | None = Field(default=None, max_length=2000)
    status: ProductStatus = kept()


class ProductOut(Out):
    id: int
    enterprise_id: int
    gtin: str
    gtin13: str | None
    name_vi: str
    name_en: str | None
    name_zh: str | None
    brand: str | None
    category: str | None
    description_vi: str | None
    description_en: str | None
    net_content: str | None
    image_path: str | None
    standards_applied: str | None
    warnings_vi: str | None
    warnings_en: str | None
    status: ProductStatus
    created_at: dt.datetime
