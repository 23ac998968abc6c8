"""Tracing (ISO 22005, Circular 02/2024/TT-BKHCN): one step back, one step forward, and
the whole genealogy, from any lot, serial or SSCC, in one recursive query per direction.

Genealogy edges (epcis_trace_link) run input → output of a transformation and
child → parent of an aggregation. Downstream follows them; upstream follows them
backwards, so a pallet's contents are upstream of the pallet and the inputs of a
product are upstream of the product. Tracing down from a pallet starts from what it
holds too, since the contents travel on after the pallet is broken up.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import Select, bindparam, select, text
from sqlalchemy.orm import Session

from registry.actor import Actor, not_found
from registry.enterprises.models import Enterprise
from registry.errors import InvalidInput
from registry.events.identifiers import Key, parse_key
from registry.events.models import EpcisEvent, EventEpc, EventParty
from registry.events.query import visible_to
from registry.gs1 import GS1Error
from registry.locations.models import Location
from registry.lots.models import Lot
from registry.products.models import Product

DEFAULT_MAX_DEPTH: Final = 100
_CHUNK: Final = 900
_WHAT: Final = ("mã truy xuất", "traceable identifier")

_WALK: Final = """
WITH RECURSIVE walk(node, depth) AS (
    SELECT {next}, 1 FROM epcis_trace_link WHERE {this} IN :starts
    UNION
    SELECT l.{next}, w.depth + 1 FROM epcis_trace_link l JOIN walk w ON l.{this} = w.node
    WHERE w.depth < :max_depth
)
SELECT node, MIN(depth) FROM walk GROUP BY node
"""
_CONTENTS: Final = """
WITH RECURSIVE contents(node) AS (
    SELECT CAST(:start AS VARCHAR(500))
    UNION
    SELECT l.from_node FROM epcis_trace_link l JOIN contents c ON l.to_node = c.node
    WHERE l.kind = 'aggregate'
)
SELECT node FROM contents
"""


@dataclass(frozen=True)
class TraceNode:
    node: str
    """Canonical Digital Link of a lot (/01/…/10/…), serial, SSCC or other instance."""
    depth: int
    gtin: str | None = None
    lot: str | None = None
    serial: str | None = None
    sscc: str | None = None


@dataclass(frozen=True)
class TracePlace:
    gln: str
    name: str | None
    enterprise_id: int | None


@dataclass(frozen=True)
class TraceParty:
    enterprise_id: int
    name: str
    received: bool
    """It received some of the traced goods (destination of a shipment, or it recorded
    their receipt)."""


@dataclass
class Trace:
    start: TraceNode
    upstream: list[TraceNode] = field(default_factory=list)
    downstream: list[TraceNode] = field(default_factory=list)
    places: list[TracePlace] = field(default_factory=list)
    parties: list[TraceParty] = field(default_factory=list)

    @property
    def one_step_back(self) -> list[TraceNode]:
        return [n for n in self.upstream if n.depth == 1]

    @property
    def one_step_forward(self) -> list[TraceNode]:
        return [n for n in self.downstream if n.depth == 1]


def _describe(node: str, depth: int) -> TraceNode:
    try:
        key = parse_key(node)
    except GS1Error:
        key = None
    if key is None:
        return TraceNode(node, depth)
    return TraceNode(
        node,
        depth,
        gtin=key.gtin,
        lot=key.lot,
        serial=key.qualifier("21"),
        sscc=key.primary[1] if key.primary[0] == "00" else None,
    )


def node_of(identifier: str) -> str:
    """The genealogy node an identifier (EPC URI or Digital Link, any level) belongs to."""
    try:
        key = parse_key(identifier)
    except GS1Error as exc:
        raise InvalidInput(exc.message_vi, exc.message_en, field="epc") from exc
    if key is None:
        return identifier
    node = key.trace_node()
    if node is None:
        raise InvalidInput(
            "Cần mã lô, số sê-ri hoặc SSCC để truy xuất; một GTIN riêng lẻ là cả sản phẩm.",
            "Tracing needs a lot, serial or SSCC; a GTIN alone is the whole product.",
            field="epc",
        )
    return node


def lot_node(lot: Lot) -> str:
    return Key(("01", lot.product.gtin), (("10", lot.code),)).uri()


def _walk(
    session: Session, starts: Sequence[str], *, downstream: bool, max_depth: int
) -> dict[str, int]:
    this, following = ("from_node", "to_node") if downstream else ("to_node", "from_node")
    statement = text(_WALK.format(this=this, next=following)).bindparams(
        bindparam("starts", expanding=True)
    )
    rows = session.execute(statement, {"starts": list(starts), "max_depth": max_depth})
    return {node: depth for node, depth in rows}


def _contents(session: Session, start: str) -> list[str]:
    return list(session.scalars(text(_CONTENTS), {"start": start}))


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _ensure_visible(session: Session, actor: Actor, node: str) -> None:
    statement = select(EventEpc.id).where(EventEpc.node == node).limit(1)
    visibility = visible_to(actor)
    if visibility is not None:
        statement = statement.join(EpcisEvent, EpcisEvent.id == EventEpc.event_pk).where(visibility)
    if session.scalar(statement) is None:
        raise not_found(_WHAT)


def trace(
    session: Session, *, actor: Actor, identifier: str, max_depth: int = DEFAULT_MAX_DEPTH
) -> Trace:
    """Upstream and downstream genealogy of a lot, serial or SSCC with the places and
    parties involved. An enterprise may trace what appears in its own events."""
    start = node_of(identifier)
    _ensure_visible(session, actor, start)
    up = _walk(session, [start], downstream=False, max_depth=max_depth)
    seeds = _contents(session, start)
    down = _walk(session, seeds, downstream=True, max_depth=max_depth)
    for content in seeds:
        if content != start:
            down.setdefault(content, 0)
    up.pop(start, None)
    down.pop(start, None)
    result = Trace(
        start=_describe(start, 0),
        upstream=sorted((_describe(n, d) for n, d in up.items()), key=lambda n: (n.depth, n.node)),
        downstream=sorted(
            (_describe(n, d) for n, d in down.items()), key=lambda n: (n.depth, n.node)
        ),
    )
    nodes = sorted({start, *up, *down})
    result.places = _places(session, nodes)
    result.parties = _parties(session, nodes)
    return result


def _event_pks(nodes: Sequence[str]) -> Iterator[Select[int]]:
    for chunk in _chunks(nodes):
        yield select(EventEpc.event_pk).where(EventEpc.node.in_(chunk))


def _places(session: Session, nodes: Sequence[str]) -> list[TracePlace]:
    uris: set[str] = set()
    for events in _event_pks(nodes):
        for biz_location, read_point in session.execute(
            select(EpcisEvent.biz_location, EpcisEvent.read_point)
            .where(EpcisEvent.id.in_(events))
            .distinct()
        ):
            uris.update(u for u in (biz_location, read_point) if u)
    glns = sorted({key.primary[1] for key in _keys(uris) if key.primary[0] == "414"})
    known = {
        loc.gln: loc
        for chunk in _chunks(glns)
        for loc in session.scalars(select(Location).where(Location.gln.in_(chunk)))
    }
    return [
        TracePlace(
            gln,
            known[gln].name if gln in known else None,
            known[gln].enterprise_id if gln in known else None,
        )
        for gln in glns
    ]


def _keys(uris: Iterable[str]) -> Iterator[Key]:
    for uri in uris:
        try:
            key = parse_key(uri)
        except GS1Error:
            continue
        if key is not None:
            yield key


def _parties(session: Session, nodes: Sequence[str]) -> list[TraceParty]:
    received: dict[int, bool] = {}
    for events in _event_pks(nodes):
        for enterprise_id, relation, biz_step in session.execute(
            select(EventParty.enterprise_id, EventParty.relation, EpcisEvent.biz_step)
            .join(EpcisEvent, EpcisEvent.id == EventParty.event_pk)
            .where(EventParty.event_pk.in_(events))
            .distinct()
        ):
            got = relation == "destination" or (
                biz_step == "receiving" and relation in ("captured", "location")
            )
            received[enterprise_id] = received.get(enterprise_id, False) or got
    names = {
        e.id: e.display_name
        for e in session.scalars(select(Enterprise).where(Enterprise.id.in_(sorted(received))))
    }
    return [TraceParty(eid, names.get(eid, ""), received[eid]) for eid in sorted(received)]


@dataclass(frozen=True)
class ImpactedLot:
    node: str
    depth: int
    gtin: str
    lot: str
    lot_id: int | None
    product_name: str | None
    enterprise_id: int | None


@dataclass
class RecallImpact:
    start: TraceNode
    lots: list[ImpactedLot]
    enterprises: list[TraceParty]


def recall_impact(
    session: Session, *, actor: Actor, identifier: str, max_depth: int = DEFAULT_MAX_DEPTH
) -> RecallImpact:
    """Every lot downstream of a lot (the lot itself at depth 0) and every enterprise
    that handled any of it, marking those that received it."""
    found = trace(session, actor=actor, identifier=identifier, max_depth=max_depth)
    candidates = [found.start, *found.downstream]
    lot_nodes = [n for n in candidates if n.gtin and n.lot is not None]
    registered = _registered_lots(session, {(n.gtin or "", n.lot or "") for n in lot_nodes})
    lots = [
        ImpactedLot(
            n.node,
            n.depth,
            n.gtin or "",
            n.lot or "",
            *registered.get((n.gtin or "", n.lot or ""), (None, None, None)),
        )
        for n in lot_nodes
    ]
    downstream_nodes = sorted(n.node for n in candidates)
    return RecallImpact(
        start=found.start, lots=lots, enterprises=_parties(session, downstream_nodes)
    )


def _registered_lots(
    session: Session, pairs: set[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, str, int]]:
    gtins = sorted({gtin for gtin, _ in pairs})
    found: dict[tuple[str, str], tuple[int, str, int]] = {}
    for chunk in _chunks(gtins):
        for lot_id, code, gtin, name, enterprise_id in session.execute(
            select(Lot.id, Lot.code, Product.gtin, Product.name_vi, Product.enterprise_id)
            .join(Product, Product.id == Lot.product_id)
            .where(Product.gtin.in_(chunk))
        ):
            if (gtin, code) in pairs:
                found[(gtin, code)] = (lot_id, name, enterprise_id)
    return found
