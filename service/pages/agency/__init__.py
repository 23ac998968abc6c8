"""The agency's pages: statistics, exports, the periodic report and the work queues."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from service.pages.agency import (
    consignments,
    dashboard,
    flags,
    market_codes,
    master_data,
    queues,
    recalls,
    reports,
    requests,
    users,
)
from service.pages.agency.menu import load_agency_menu
from service.pages.form_text import refuse_bad_form_text

router = APIRouter(
    prefix="/agency",
    include_in_schema=False,
    dependencies=[Depends(load_agency_menu), Depends(refuse_bad_form_text)],
)
router.include_router(dashboard.router)
router.include_router(queues.router)
router.include_router(recalls.router)
router.include_router(reports.router)
router.include_router(requests.router)
router.include_router(flags.router)
router.include_router(users.router)
router.include_router(master_data.router)
router.include_router(consignments.router)
# The GPC upload has its own router (see master_data.uploads); include it ahead of `router`.
uploads = master_data.uploads
router.include_router(market_codes.router)
code_uploads = market_codes.uploads
# The business register upload too (see queues.population_uploads).
population_uploads = queues.population_uploads

__all__ = ["code_uploads", "population_uploads", "router", "uploads"]
