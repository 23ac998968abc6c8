"""The agency's pages: statistics, exports, the periodic report and the work queues."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from service.pages.agency import dashboard, flags, queues, recalls, requests, users

router = APIRouter(
    prefix="/agency",
    include_in_schema=False,
    dependencies=[Depends(requests.load_queue_counts)],
)
router.include_router(dashboard.router)
router.include_router(queues.router)
router.include_router(recalls.router)
router.include_router(requests.router)
router.include_router(flags.router)
router.include_router(users.router)

__all__ = ["router"]
