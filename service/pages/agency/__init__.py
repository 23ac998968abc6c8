"""The agency's pages: statistics, exports, the periodic report and the work queues."""

from __future__ import annotations

from fastapi import APIRouter

from service.pages.agency import dashboard, queues, recalls

router = APIRouter(prefix="/agency", include_in_schema=False)
router.include_router(dashboard.router)
router.include_router(queues.router)
router.include_router(recalls.router)

__all__ = ["router"]
