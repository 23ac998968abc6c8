"""Recalling a product or some of its lots with a public notice, and ending a recall.

A recall writes Recall rows (which the resolver reads for the consumer verdict) and
marks the lots recalled (which the enterprise portal shows); both are audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.actor import Actor, not_found
from registry.audit.service import record_change
from registry.db import utcnow
from registry.errors import Conflict, FieldProblem, InvalidInput
from registry.events.identifiers import lot_node
from registry.events.models import TraceLink
from registry.lots.models import Lot, LotStatus
from registry.lots.service import lots_by_id, lots_of_product
from registry.products.models import Product
from registry.recalls.models import Recall

MAX_IMPACT_NODES = 5000
# A notice is read on a phone: two thousand characters is already a long page.
NOTICE_MAX_LENGTH = 2000


@dataclass(frozen=True)
class RecallNotice:
    reason_vi: str
    notice_vi: str
    reason_en: str | None = None
    notice_en: str | None = None

    def problems(self) -> list[FieldProblem]:
        """Everything wrong with the notice at once, so a form can say it all."""
        found = []
        if not self.reason_vi.strip():
            found.append(
                FieldProblem(
                    "reason_vi", "Cần ghi lý do thu hồi.", "A reason for the recall is required."
                )
            )
        if not self.notice_vi.strip():
            found.append(
                FieldProblem(
                    "notice_vi",
                    "Cần nội dung thông báo cho người tiêu dùng.",
                    "A notice for consumers is required.",
                )
            )
        for field, text in self.__dict__.items():
            if len(text or "") > NOTICE_MAX_LENGTH:
                found.append(
                    FieldProblem(
                        field,
                        f"Tối đa {NOTICE_MAX_LENGTH} ký tự (đang có {len(text)}).",
                        f"At most {NOTICE_MAX_LENGTH} characters (got {len(text)}).",
                    )
                )
        return found

    def checked(self) -> RecallNotice:
        found = self.problems()
        if found:
            raise InvalidInput(found[0].message_vi, found[0].message_en, problems=found)
        return RecallNotice(
            self.reason_vi.strip(),
            self.notice_vi.strip(),
            (self.reason_en or "").strip() or None,
            (self.notice_en or "").strip() or None,
        )


def open_recalls_of(session: Session, *, product: Product) -> list[Recall]:
    return list(
        session.scalars(
            select(Recall).where(Recall.product_id == product.id, Recall.ended_at.is_(None))
        )
    )


def ensure_not_under_recall(session: Session, *, product: Product, lots: Sequence[Lot]) -> None:
    """A product recalled as a whole, or a lot already recalled, is not recalled twice."""
    open_recalls = open_recalls_of(session, product=product)
    if any(r.lot_id is None for r in open_recalls):
        raise Conflict(
            "Sản phẩm này đang bị thu hồi toàn bộ.",
            "The whole product is already under recall.",
            field="lots",
        )
    already = {r.lot_id for r in open_recalls}
    doubled = [lot.code for lot in lots if lot.id in already]
    if doubled:
        raise Conflict(
            f"Lô đang bị thu hồi: {', '.join(doubled)}.",
            f"Lots already under recall: {', '.join(doubled)}.",
            field="lots",
        )


def recall_product(
    session: Session,
    *,
    actor: Actor,
    product: Product,
    notice: RecallNotice,
    lots: Sequence[Lot] = (),
) -> list[Recall]:
    """Recall the whole product (no lots given) or the given lots of it."""
    actor.ensure_agency()
    actor.ensure_may_write()
    notice = notice.checked()
    for lot in lots:
        if lot.product_id != product.id:
            raise InvalidInput(
                f"Lô {lot.code} không thuộc sản phẩm này.",
                f"Lot {lot.code} does not belong to this product.",
                field="lots",
            )
    ensure_not_under_recall(session, product=product, lots=lots)
    started_at = utcnow()
    targets: list[Lot | None] = list(lots) or [None]
    recalls = []
    for target in targets:
        recall = Recall(
            product_id=product.id,
            lot_id=target.id if target else None,
            reason_vi=notice.reason_vi,
            reason_en=notice.reason_en,
            notice_vi=notice.notice_vi,
            notice_en=notice.notice_en,
            created_by=actor.label,
            started_at=started_at,
        )
        session.add(recall)
        recalls.append(recall)
    affected: list[Lot] = list(lots) or lots_of_product(session, product_id=product.id)
    for lot in affected:
        if lot.status is LotStatus.active:
            lot.status = LotStatus.recalled
    session.flush()
    for recall in recalls:
        record_change(
            session,
            actor=actor,
            action="recall",
            entity="recall",
            entity_id=recall.id,
            enterprise_id=product.enterprise_id,
            after={
                "product_id": product.id,
                "gtin": product.gtin,
                "lot_id": recall.lot_id,
                "reason_vi": recall.reason_vi,
                "lots_recalled": [lot.code for lot in affected],
            },
        )
    return recalls


def end_recall(session: Session, *, actor: Actor, recall: Recall) -> Recall:
    """End a recall; its lots become active again unless another open recall covers them."""
    actor.ensure_agency()
    actor.ensure_may_write()
    if recall.ended_at is not None:
        raise Conflict("Đợt thu hồi này đã kết thúc.", "This recall has already ended.")
    recall.ended_at = utcnow()
    product = session.get(Product, recall.product_id)
    assert product is not None
    still_open = [r for r in open_recalls_of(session, product=product) if r.id != recall.id]
    whole_product_open = any(r.lot_id is None for r in still_open)
    covered = {r.lot_id for r in still_open}
    lots = _recalled_lots(session, recall, product)
    released = []
    for lot in lots:
        if lot is None or whole_product_open or lot.id in covered:
            continue
        if lot.status is LotStatus.recalled:
            lot.status = LotStatus.active
            released.append(lot.code)
    record_change(
        session,
        actor=actor,
        action="end_recall",
        entity="recall",
        entity_id=recall.id,
        enterprise_id=product.enterprise_id,
        before={"ended_at": None},
        after={"ended_at": recall.ended_at, "lots_released": released},
    )
    session.flush()
    return recall


def _recalled_lots(session: Session, recall: Recall, product: Product) -> list[Lot | None]:
    if recall.lot_id is not None:
        return [session.get(Lot, recall.lot_id)]
    return list(lots_of_product(session, product_id=product.id))


def get_recall(session: Session, *, actor: Actor, recall_id: int) -> Recall:
    actor.ensure_agency()
    if (recall := session.get(Recall, recall_id)) is None:
        raise not_found(("đợt thu hồi", "recall"))
    return recall


def list_recalls(session: Session, *, actor: Actor, open_only: bool = False) -> list[Recall]:
    actor.ensure_agency()
    statement = select(Recall).order_by(Recall.started_at.desc(), Recall.id.desc())
    if open_only:
        statement = statement.where(Recall.ended_at.is_(None))
    return list(session.scalars(statement))


@dataclass(frozen=True)
class ImpactedLot:
    node: str
    lot: Lot | None
    depth: int


def recalls_of_enterprise(session: Session, *, enterprise_id: int) -> list[tuple[Recall, Product]]:
    """Every recall of the enterprise's products with the product, latest first."""
    return [
        (recall, product)
        for recall, product in session.execute(
            select(Recall, Product)
            .join(Product, Recall.product_id == Product.id)
            .where(Product.enterprise_id == enterprise_id)
            .order_by(Recall.started_at.desc())
        )
    ]


def recalled_products(session: Session, recalls: Sequence[Recall]) -> dict[int, Product]:
    """The products the recalls name, by id."""
    ids = {r.product_id for r in recalls}
    return {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(ids)))}


def recalled_lot_codes(session: Session, recalls: Sequence[Recall]) -> dict[int, str]:
    """The codes of the lots the recalls name, by lot id."""
    lots = lots_by_id(session, {r.lot_id for r in recalls if r.lot_id})
    return {lot.id: lot.code for lot in lots}


def recall_impact(session: Session, *, recall: Recall) -> list[ImpactedLot]:
    """Where the recalled lots went: every lot downstream through transformations and
    aggregations (ISO 22005 one step forward, repeated), from the EPCIS genealogy."""
    product = session.get(Product, recall.product_id)
    assert product is not None
    lots = _recalled_lots(session, recall, product)
    start = {lot_node(product.gtin, lot.code) for lot in lots if lot is not None}
    seen: dict[str, int] = {}
    frontier = set(start)
    depth = 0
    while frontier and len(seen) < MAX_IMPACT_NODES:
        depth += 1
        following = set(
            session.scalars(
                select(TraceLink.to_node).where(TraceLink.from_node.in_(sorted(frontier)))
            )
        )
        frontier = {n for n in following if n not in seen and n not in start}
        for node in frontier:
            seen[node] = depth
    return [ImpactedLot(node, _lot_of(session, node), d) for node, d in sorted(seen.items())]


def _lot_of(session: Session, node: str) -> Lot | None:
    # Canonical lot node: https://id.gs1.org/01/{gtin}/10/{lot}
    parts = node.split("/")
    if len(parts) < 7 or parts[3] != "01" or parts[5] != "10":
        return None
    gtin, code = parts[4], unquote(parts[6])
    return session.scalar(
        select(Lot)
        .join(Product, Product.id == Lot.product_id)
        .where(Product.gtin == gtin, Lot.code == code)
    )
