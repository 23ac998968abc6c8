"""The enterprise's planting-area and packing-house codes, read-only: officers record
them; the enterprise sees each market's status (what its export lots need)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from registry.market_codes.models import ApprovalStatus
from registry.market_codes.service import list_codes
from registry.markets import market_names
from service.deps import SessionDep
from service.i18n import request_language
from service.pages.portal.common import PortalDep, page

router = APIRouter(prefix="/portal/market-codes")
STATUS_WORDS = {
    ApprovalStatus.active: ("Hiệu lực", "Active"),
    ApprovalStatus.suspended: ("Tạm dừng", "Suspended"),
    ApprovalStatus.revoked: ("Thu hồi", "Revoked"),
}


@router.get("")
def market_codes(request: Request, session: SessionDep, portal: PortalDep) -> Response:
    english = request_language(request) != "vi"
    return page(
        request,
        "portal/market_codes.html",
        {
            "codes": list_codes(session, actor=portal.actor),
            "status_word": lambda status: STATUS_WORDS[status][english],
            "market_name": lambda market: market_names(market)[english],
        },
        portal=portal,
    )
