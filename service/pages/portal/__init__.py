"""The enterprise portal: server-rendered pages for cooperatives and companies.

Include `router` before the resolver's catch-all routes.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from service.pages.portal import (
    auth,
    consignments,
    dashboard,
    event_flags,
    imports,
    locations,
    lots,
    market_codes,
    master_data,
    media,
    print_runs,
    products,
    signup,
    stats,
    team,
)
from service.pages.portal.common import refuse_text_the_route_cannot_show, require_csrf
from service.status_doors import portal_door

router = APIRouter(
    include_in_schema=False,
    dependencies=[
        Depends(require_csrf),
        Depends(refuse_text_the_route_cannot_show),
        Depends(portal_door),
    ],
)
# imports and master_data before products: /portal/products/import is not a product id.
for area in (
    auth,
    signup,
    dashboard,
    imports,
    master_data,
    products,
    locations,
    market_codes,
    lots,
    consignments,
    print_runs,
    stats,
    team,
):
    router.include_router(area.router)
router.include_router(event_flags.router)
router.include_router(event_flags.overview)
router.include_router(media.router)

__all__ = ["router"]
