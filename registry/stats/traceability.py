"""Traceability completeness: which lots have a full harvest → pack → ship chain of events.

Per DESIGN §4: harvest is an ObjectEvent with bizStep `commissioning`; packing is a
TransformationEvent (the lot an output) or any event with bizStep `packing` or
`transforming`; shipping is bizStep `shipping`. A packed lot's harvest is usually
recorded on its input lot, so a harvest one step back (ISO 22005) counts too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from registry.events.identifiers import lot_node
from registry.events.models import EpcisEvent, EventEpc, TraceLink
from registry.lots.models import Lot
from registry.products.models import Product

# CBV 2.0 §7.2 bizStep values, in each form EPCIS 2.0 allows them to be written.
_CBV_PREFIXES = ("", "urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-")
TRANSFORMATION_EVENT = "TransformationEvent"
_CHUNK = 2000


def biz_step_forms(*names: str) -> list[str]:
    return [prefix + name for name in names for prefix in _CBV_PREFIXES]


def _lots_with_event(
    session: Session, *where: ColumnElement[bool], end_at: dt.datetime, nodes: list[str]
) -> set[str]:
    """The lot nodes among `nodes` named in an event before `end_at` that meets `where`."""
    found: set[str] = set()
    for start in range(0, len(nodes), _CHUNK):
        chunk = nodes[start : start + _CHUNK]
        found.update(
            session.scalars(
                select(EventEpc.lot_key)
                .join(EpcisEvent, EpcisEvent.id == EventEpc.event_pk)
                .where(EventEpc.lot_key.in_(chunk), EpcisEvent.event_time < end_at, *where)
                .distinct()
            )
        )
    return found


def _stepped(*steps: str) -> ColumnElement[bool]:
    return EpcisEvent.biz_step.in_(biz_step_forms(*steps))


def _inputs_of(session: Session, nodes: Iterable[str]) -> dict[str, set[str]]:
    ordered = list(nodes)
    inputs: dict[str, set[str]] = {}
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        for source, target in session.execute(
            select(TraceLink.from_node, TraceLink.to_node).where(TraceLink.to_node.in_(chunk))
        ):
            inputs.setdefault(target, set()).add(source)
    return inputs


def complete_lots(
    session: Session, *, end_at: dt.datetime, enterprise_ids: set[int] | None = None
) -> tuple[list[str], set[str]]:
    """Lot nodes created before `end_at` (of the enterprises, when given), and the
    complete ones among them."""
    statement = (
        select(Product.gtin, Lot.code)
        .join(Product, Product.id == Lot.product_id)
        .where(Lot.created_at < end_at)
    )
    if enterprise_ids is not None:
        if not enterprise_ids:
            return [], set()
        statement = statement.where(Product.enterprise_id.in_(enterprise_ids))
    nodes = [lot_node(gtin, code) for gtin, code in session.execute(statement)]
    if not nodes:
        return [], set()
    shipped = _lots_with_event(session, _stepped("shipping"), end_at=end_at, nodes=nodes)
    candidates = sorted(shipped)
    packed = _lots_with_event(
        session, _stepped("packing", "transforming"), end_at=end_at, nodes=candidates
    ) | _lots_with_event(
        session,
        EventEpc.role == "output",
        EpcisEvent.event_type == TRANSFORMATION_EVENT,
        end_at=end_at,
        nodes=candidates,
    )
    candidates = sorted(packed & shipped)
    inputs = _inputs_of(session, candidates)
    harvest_nodes = sorted(set(candidates) | {n for ins in inputs.values() for n in ins})
    harvested = _lots_with_event(
        session, _stepped("commissioning"), end_at=end_at, nodes=harvest_nodes
    )
    complete = {
        node for node in candidates if node in harvested or inputs.get(node, set()) & harvested
    }
    return nodes, complete


def complete_lot_counts(
    session: Session, *, end_at: dt.datetime, enterprise_ids: set[int] | None = None
) -> tuple[int, int]:
    nodes, complete = complete_lots(session, end_at=end_at, enterprise_ids=enterprise_ids)
    return len(nodes), len(complete)
