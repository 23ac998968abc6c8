"""The guard's refusal: an error the request answers with, and a row the agency sees.

The request that a refusal ends is rolled back, so the row is written after the
rollback by whoever owns the unit of work (`keep_refusal`), in a transaction of its own.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.errors import InvalidInput
from registry.lots.models import Lot
from registry.market_codes.models import GuardRefusal

# Unseen refusals kept per enterprise: past this the agency already has plenty to act on,
# and an enterprise repeating refused requests must not fill its queue without bound.
MAX_UNSEEN_REFUSALS = 200


@dataclass(frozen=True)
class Attempt:
    """What was refused, kept apart from the lot so it survives the rollback."""

    enterprise_id: int
    lot_id: int | None
    product_id: int
    lot_code: str
    market: str
    what: str
    actor: str


@dataclass
class ExportGuardRefused(InvalidInput):
    """An export lot whose codes do not hold up; `rule` names the guard that failed."""

    rule: str = ""
    code: str | None = None
    attempt: Attempt | None = dataclasses.field(default=None, repr=False)

    slug = "export-code-refused"
    title = "Export code check failed"


def keep_refusal(session: Session, error: BaseException) -> bool:
    """After the rollback of the refused work: add the refusal to the agency's queue.

    True when a refusal was added; the caller commits. A lot created in the rolled-back
    work is not named by id: that id no longer exists (and may be given to another lot).
    """
    if not isinstance(error, ExportGuardRefused) or error.attempt is None:
        return False
    attempt = error.attempt
    if _already_queued(session, error, attempt):
        return False
    lot_id = attempt.lot_id
    if (
        lot_id is not None
        and session.scalar(
            select(Lot.id).where(
                Lot.id == lot_id, Lot.product_id == attempt.product_id, Lot.code == attempt.lot_code
            )
        )
        is None
    ):
        lot_id = None
    session.add(
        GuardRefusal(
            enterprise_id=attempt.enterprise_id,
            lot_id=lot_id,
            product_id=attempt.product_id,
            lot_code=attempt.lot_code,
            market=attempt.market,
            rule=error.rule,
            code=error.code,
            attempt=attempt.what,
            message_vi=error.message_vi[:1000],
            message_en=error.message_en[:1000],
            actor=attempt.actor[:300],
        )
    )
    return True


def _already_queued(session: Session, error: ExportGuardRefused, attempt: Attempt) -> bool:
    """The same refusal is still unseen in the queue, or the enterprise's unseen share is full.

    A repeated attempt (same lot code, market, rule, code and kind of attempt) adds nothing
    the officer does not already see; the cap bounds attempts that vary the lot code.
    """
    unseen = (GuardRefusal.enterprise_id == attempt.enterprise_id, GuardRefusal.seen_at.is_(None))
    same = session.scalar(
        select(GuardRefusal.id)
        .where(
            *unseen,
            GuardRefusal.product_id == attempt.product_id,
            GuardRefusal.lot_code == attempt.lot_code,
            GuardRefusal.market == attempt.market,
            GuardRefusal.rule == error.rule,
            GuardRefusal.attempt == attempt.what,
            GuardRefusal.code.is_(None) if error.code is None else GuardRefusal.code == error.code,
        )
        .limit(1)
    )
    if same is not None:
        return True
    count = session.scalar(select(func.count()).select_from(GuardRefusal).where(*unseen)) or 0
    return count >= MAX_UNSEEN_REFUSALS
