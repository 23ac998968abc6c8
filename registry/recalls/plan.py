"""What a recall would reach, shown to the officer before it is done: the lots it
covers, the labels printed for them and the scans consumers made of them.

The officer must choose the scope (there is no default), and every problem with the
choice or the notice is reported at once, next to its field.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.errors import FieldProblem, InvalidInput
from registry.lots.models import Lot
from registry.lots.service import lots_by_id, lots_of_product
from registry.print_runs.models import LabelRun
from registry.products.models import Product
from registry.recalls.service import RecallNotice, ensure_not_under_recall
from registry.scans.models import Scan
from registry.vn.text import vietnamese_sort_key


class RecallScope(enum.StrEnum):
    product = "product"
    lots = "lots"


@dataclass(frozen=True)
class LotReach:
    lot: Lot
    labels: int
    scans: int


@dataclass(frozen=True)
class RecallPlan:
    product: Product
    scope: RecallScope
    chosen: list[Lot]  # the ticked lots; none when the whole product is recalled
    notice: RecallNotice
    reach: list[LotReach]  # every lot the recall covers

    @property
    def labels(self) -> int:
        return sum(item.labels for item in self.reach)

    @property
    def scans(self) -> int:
        return sum(item.scans for item in self.reach)


def plan_recall(
    session: Session,
    *,
    actor: Actor,
    product: Product,
    scope: str,
    lot_ids: Collection[int],
    notice: RecallNotice,
) -> RecallPlan:
    actor.ensure_agency()
    problems: list[FieldProblem] = []
    chosen = [lot for lot in lots_by_id(session, set(lot_ids)) if lot.product_id == product.id]
    if scope not in RecallScope.__members__:
        problems.append(
            FieldProblem(
                "scope",
                "Hãy chọn phạm vi thu hồi: toàn bộ sản phẩm, hoặc chỉ các lô được đánh dấu.",
                "Choose what to recall: the whole product, or only the lots ticked.",
            )
        )
    elif scope == RecallScope.lots and (not chosen or len(chosen) != len(set(lot_ids))):
        problems.append(
            FieldProblem(
                "lot_ids",
                "Hãy đánh dấu ít nhất một lô của sản phẩm này.",
                "Tick at least one lot of this product.",
            )
        )
    elif scope == RecallScope.product and lot_ids:
        problems.append(
            FieldProblem(
                "scope",
                "Đã đánh dấu lô nhưng chọn thu hồi toàn bộ sản phẩm: hãy chọn "
                "“Chỉ các lô được đánh dấu”, hoặc bỏ đánh dấu các lô.",
                "Lots are ticked but the whole product is chosen: choose “Only the lots "
                "ticked”, or untick the lots.",
            )
        )
    problems += notice.problems()
    if problems:
        raise InvalidInput(problems[0].message_vi, problems[0].message_en, problems=problems)
    ensure_not_under_recall(session, product=product, lots=chosen)
    covered = chosen or lots_of_product(session, product_id=product.id)
    covered = sorted(covered, key=lambda lot: vietnamese_sort_key(lot.code))
    return RecallPlan(
        product, RecallScope(scope), chosen, notice.checked(), _reach(session, product, covered)
    )


def _reach(session: Session, product: Product, lots: list[Lot]) -> list[LotReach]:
    ids = [lot.id for lot in lots]
    labels = dict(
        session.execute(
            select(LabelRun.lot_id, func.sum(LabelRun.count))
            .where(LabelRun.lot_id.in_(ids), LabelRun.voided_at.is_(None))
            .group_by(LabelRun.lot_id)
        ).all()
    )
    scans = dict(
        session.execute(
            select(Scan.lot, func.count())
            .where(Scan.gtin == product.gtin, Scan.lot.in_([lot.code for lot in lots]))
            .group_by(Scan.lot)
        ).all()
    )
    return [
        LotReach(lot, int(labels.get(lot.id) or 0), int(scans.get(lot.code) or 0)) for lot in lots
    ]
