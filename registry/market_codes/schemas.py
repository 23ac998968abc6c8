"""Market codes out of the API (enterprises read their own; officers read all)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from registry.market_codes.models import ApprovalStatus
from registry.schemas import Out


class MarketApprovalOut(Out):
    market: str
    status: ApprovalStatus
    changed_at: dt.datetime


class MarketCodeOut(Out):
    id: int
    location_id: int
    code: str
    issuing_body: str
    crop: str
    area_ha: Decimal | None
    households: int | None
    boundary: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    approvals: list[MarketApprovalOut]


class MarketCodeChangeOut(Out):
    at: dt.datetime
    actor: str
    what: str
    market: str | None
    from_value: str | None
    to_value: str | None
    reason: str | None
    source: str
