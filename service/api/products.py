from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from registry.prefixes.service import get_prefix
from registry.products import service as products
from registry.products.models import ProductStatus
from registry.products.schemas import ProductIn, ProductOut, ProductPatch
from registry.schemas import PageOut
from service.api.common import (
    OptionalId,
    PageNumber,
    PerPage,
    RecordId,
    page_out,
    target_enterprise,
)
from service.deps import CurrentActor, SessionDep

router = APIRouter(prefix="/products", tags=["products"])


@router.get("", response_model=PageOut[ProductOut])
def list_products(
    session: SessionDep,
    actor: CurrentActor,
    enterprise_id: OptionalId = None,
    status: ProductStatus | None = None,
    category: str | None = None,
    q: str | None = None,
    page: PageNumber = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    result = products.list_products(
        session,
        actor=actor,
        enterprise_id=enterprise_id,
        status=status,
        category=category,
        query=q,
        page=page,
        per_page=per_page,
    )
    return page_out(result, ProductOut)


@router.post("", response_model=ProductOut, status_code=201)
def create_product(body: ProductIn, session: SessionDep, actor: CurrentActor) -> Any:
    """Add a product; its GTIN is allocated from the enterprise's prefix unless given."""
    enterprise = target_enterprise(session, actor, body.enterprise_id)
    prefix = get_prefix(session, actor=actor, prefix_id=body.prefix_id) if body.prefix_id else None
    details = products.ProductDetails(**body.model_dump(include=set(products.EDITABLE)))
    return products.create_product(
        session,
        actor=actor,
        enterprise=enterprise,
        details=details,
        gtin=body.gtin,
        item_reference=body.item_reference,
        prefix=prefix,
    )


@router.get("/{product_id}", response_model=ProductOut)
def get_product(product_id: RecordId, session: SessionDep, actor: CurrentActor) -> Any:
    return products.get_product(session, actor=actor, product_id=product_id)


@router.patch("/{product_id}", response_model=ProductOut)
def update_product(
    product_id: RecordId, body: ProductPatch, session: SessionDep, actor: CurrentActor
) -> Any:
    product = products.get_product(session, actor=actor, product_id=product_id)
    return products.update_product(
        session, actor=actor, product=product, changes=body.model_dump(exclude_unset=True)
    )
