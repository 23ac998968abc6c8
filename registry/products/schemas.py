"""Products in and out of the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import ConfigDict, Field

from registry.products.models import ProductStatus
from registry.schemas import Id, In, Out, kept


class ProductMasterData(In):
    """The Verified by GS1 attributes a product takes beyond its names and brand
    (registry/products/master_data.py checks them)."""

    image_url: str | None = Field(
        default=None, max_length=500, description="https:// address of the product image"
    )
    gpc_brick_code: str | None = Field(
        default=None, max_length=8, description="GPC brick code (8 digits) of the loaded GPC"
    )
    net_content_value: Decimal | None = Field(default=None, gt=0, le=1_000_000_000)
    net_content_unit: str | None = Field(
        default=None, max_length=3, description="UN/ECE Recommendation 20 code, e.g. KGM, GRM"
    )
    target_markets: str | None = Field(
        default=None,
        max_length=200,
        description="ISO 3166-1 codes (alpha-2 or numeric), space or comma separated; "
        "stored as numeric, e.g. '704 156'",
    )


class ProductIn(ProductMasterData):
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


class ProductPatch(ProductMasterData):
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
    image_url: str | None
    gpc_brick_code: str | None
    net_content_value: Decimal | None
    net_content_unit: str | None
    target_markets: str | None
    status: ProductStatus
    created_at: dt.datetime
