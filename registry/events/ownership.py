"""Whose things an enterprise may record events about, and what it may say of them.

An enterprise records events about its own things — the GTINs of its products and the
keys under its company prefixes (SSCCs, GLNs, …) — at its own registered places. It may
also record what happens to things another enterprise shipped to it: the owner recorded
a shipping event naming one of its GLNs as destination, for the thing itself or for a
pallet it travelled on. Those it may only receive, store, and process (as inputs of a
transformation), and never with a disposition that changes the consumer's verdict
(recalled, non_conformant, destroyed, …): that is the owner's word, or the agency's.

Naming a partner's GLN in the source or destination list gives no right over the
partner's things; a source or destination GLN must only be a location the registry
knows. Agency staff are not bound to one enterprise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.errors import FieldProblem
from registry.events.identifiers import Key
from registry.events.models import EpcisEvent, EventEpc, EventParty, TraceLink
from registry.events.prepare import INPUT_ROLES, PreparedEvent
from registry.locations.models import Location
from registry.prefixes.models import CompanyPrefix
from registry.products.models import Product

_PREFIX_LENGTHS = range(4, 13)
_CHUNK: Final = 500

# CBV 2.0 §7.2 business steps of a receiver handling what it was sent.
RECEIVER_STEPS: Final = frozenset({"receiving", "arriving", "accepting", "storing"})
# CBV 2.0 §7.3 dispositions that say nothing against the product. Any other one
# (recalled, non_conformant, destroyed, damaged, expired, stolen, …) is the owner's.
NEUTRAL_DISPOSITIONS: Final = frozenset(
    {
        "active",
        "available",
        "in_progress",
        "in_transit",
        "sellable_accessible",
        "sellable_not_accessible",
        "retail_sold",
        "container_open",
        "container_closed",
        "completeness_verified",
        "completeness_inferred",
    }
)


def _company_digits(key: Key) -> str | None:
    code, value = key.primary
    if code in ("8004", "401", "8010"):
        return value
    if code == "8003":
        return value[1:]
    return key.company_digits()


def ownership_problems(
    session: Session,
    *,
    actor: Actor,
    prepared: list[PreparedEvent],
    locations: dict[str, Location],
) -> dict[int, list[FieldProblem]]:
    if actor.is_agency or actor.enterprise_id is None or not prepared:
        return {}
    own = actor.enterprise_id
    problems: dict[int, list[FieldProblem]] = defaultdict(list)
    for event in prepared:
        where = f"eventList[{event.index}]"
        for field, key in event.place_keys:
            place = locations.get(key.primary[1]) if key.primary[0] == "414" else None
            if place is None or place.enterprise_id != own:
                problems[event.index].append(
                    FieldProblem(
                        f"{where}.{field}",
                        f"Sự kiện {event.index}: {key.uri()} không phải địa điểm đã đăng ký "
                        "của doanh nghiệp.",
                        f"Event {event.index}: {key.uri()} is not a registered location of "
                        "the enterprise.",
                    )
                )
        for field, _, key in event.party_keys:
            if key.primary[0] == "414" and key.primary[1] not in locations:
                problems[event.index].append(
                    FieldProblem(
                        f"{where}.{field}",
                        f"Sự kiện {event.index}: GLN {key.primary[1]} chưa được đăng ký.",
                        f"Event {event.index}: GLN {key.primary[1]} is not registered.",
                    )
                )

    keys = [row.key for event in prepared for row in event.epcs if row.key is not None]
    owners = _owners(session, keys)
    foreign: list[tuple[PreparedEvent, int, int | None]] = []
    for event in prepared:
        for position, row in enumerate(event.epcs):
            if row.key is None:
                continue
            owner = owners(row.key)
            if owner != own:
                foreign.append((event, position, owner))

    received = _received(
        session,
        own,
        {(event.epcs[i].node or "", owner) for event, i, owner in foreign if owner is not None},
    )
    for event, position, owner in foreign:
        row = event.epcs[position]
        field = f"eventList[{event.index}].{row.field}"
        if owner is None or (row.node or "", owner) not in received:
            problems[event.index].append(
                FieldProblem(
                    field,
                    f"Sự kiện {event.index}: {row.epc} không thuộc doanh nghiệp, và chủ sở hữu "
                    "chưa ghi nhận xuất hàng đến địa điểm của doanh nghiệp.",
                    f"Event {event.index}: {row.epc} is not the enterprise's, and its owner has "
                    "not recorded shipping it to a location of the enterprise.",
                )
            )
        elif not _receiver_may_say(event, row.role):
            problems[event.index].append(
                FieldProblem(
                    field,
                    f"Sự kiện {event.index}: với hàng của doanh nghiệp khác gửi đến, chỉ được "
                    "ghi nhận nhận hàng, lưu kho hoặc dùng làm đầu vào chế biến; trạng thái "
                    f"{event.disposition or event.biz_step or event.event_type} chỉ chủ sở hữu "
                    "hoặc Chi cục được ghi.",
                    f"Event {event.index}: of goods another enterprise shipped to it, an "
                    "enterprise may only record receiving, storing, or their use as inputs of "
                    f"a transformation; {event.disposition or event.biz_step or event.event_type}"
                    " is for the owner or the agency to record.",
                )
            )
    return problems


def _receiver_may_say(event: PreparedEvent, role: str) -> bool:
    if event.disposition is not None and event.disposition not in NEUTRAL_DISPOSITIONS:
        return False
    if event.event_type == "TransformationEvent":
        return role in INPUT_ROLES
    return event.event_type == "ObjectEvent" and event.biz_step in RECEIVER_STEPS


def _owners(session: Session, keys: list[Key]) -> _OwnerOf:
    return _OwnerOf(_gtin_owners(session, keys), _prefix_owners(session, keys))


class _OwnerOf:
    """The enterprise a key belongs to: its product's, else its company prefix's."""

    def __init__(self, gtins: dict[str, int], prefixes: dict[str, int]) -> None:
        self.gtins = gtins
        self.prefixes = prefixes

    def __call__(self, key: Key) -> int | None:
        if key.gtin and key.gtin in self.gtins:
            return self.gtins[key.gtin]
        digits = _company_digits(key) or ""
        for n in _PREFIX_LENGTHS:
            owner = self.prefixes.get(digits[:n])
            if owner is not None:
                return owner
        return None


def _prefix_owners(session: Session, keys: Iterable[Key]) -> dict[str, int]:
    candidates = {
        digits[:n] for key in keys if (digits := _company_digits(key)) for n in _PREFIX_LENGTHS
    }
    owners: dict[str, int] = {}
    ordered = sorted(candidates)
    for start in range(0, len(ordered), _CHUNK):
        for prefix, enterprise_id in session.execute(
            select(CompanyPrefix.prefix, CompanyPrefix.enterprise_id).where(
                CompanyPrefix.prefix.in_(ordered[start : start + _CHUNK])
            )
        ):
            if enterprise_id is not None:
                owners[prefix] = enterprise_id
    return owners


def _gtin_owners(session: Session, keys: Iterable[Key]) -> dict[str, int]:
    gtins = sorted({key.gtin for key in keys if key.gtin})
    owners: dict[str, int] = {}
    for start in range(0, len(gtins), _CHUNK):
        for gtin, enterprise_id in session.execute(
            select(Product.gtin, Product.enterprise_id).where(
                Product.gtin.in_(gtins[start : start + _CHUNK])
            )
        ):
            owners[gtin] = enterprise_id
    return owners


def _received(
    session: Session, enterprise_id: int, wanted: set[tuple[str, int]]
) -> set[tuple[str, int]]:
    """Of (node, owner) pairs, those the owner shipped to the enterprise: a shipping event
    recorded by the owner, naming a GLN of the enterprise as destination, names the node
    or a container (pallet) the node travelled in."""
    nodes = sorted({node for node, _ in wanted if node})
    if not nodes:
        return set()
    shipped_here = (
        select(EpcisEvent.id)
        .join(EventParty, EventParty.event_pk == EpcisEvent.id)
        .where(
            EpcisEvent.biz_step == "shipping",
            EventParty.enterprise_id == enterprise_id,
            EventParty.relation == "destination",
        )
    )
    shipped: set[tuple[str, int]] = set()
    for start in range(0, len(nodes), _CHUNK):
        chunk = nodes[start : start + _CHUNK]
        containers: dict[str, set[str]] = defaultdict(set)
        for child, container in session.execute(
            select(TraceLink.from_node, TraceLink.to_node).where(
                TraceLink.from_node.in_(chunk), TraceLink.kind == "aggregate"
            )
        ):
            containers[container].add(child)
        for node, shipper in session.execute(
            select(EventEpc.node, EpcisEvent.enterprise_id)
            .join(EpcisEvent, EpcisEvent.id == EventEpc.event_pk)
            .where(
                EventEpc.node.in_(sorted(set(chunk) | set(containers))),
                EventEpc.event_pk.in_(shipped_here),
            )
        ):
            if node is None or shipper is None:
                continue
            for shipped_node in ({node} if node in chunk else set()) | containers.get(node, set()):
                shipped.add((shipped_node, shipper))
    return shipped & wanted
