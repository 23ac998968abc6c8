"""Whose identifiers an enterprise may put in its events.

An enterprise captures events about its own things at its own places. A thing is its
own when the GTIN is one of its products or the key comes from one of its company
prefixes; it may also name a trading partner's things when that partner is a declared
source or destination of the same event, or things it already handled (they appear in
an earlier event that concerns it, directly or inside a pallet). readPoint and
bizLocation must be its registered locations; a source or destination GLN must be a
location the registry knows. Agency staff are not bound to one enterprise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts.actor import Actor
from registry.errors import FieldProblem
from registry.events.identifiers import Key
from registry.events.models import EventEpc, EventParty, TraceLink
from registry.events.prepare import PreparedEvent
from registry.locations.models import Location
from registry.prefixes.models import CompanyPrefix
from registry.products.models import Product

_PREFIX_LENGTHS = range(4, 13)


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
    partners: dict[int, set[int]] = {}
    for event in prepared:
        where = f"eventList[{event.index}]"
        partners[event.index] = {own}
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
            if key.primary[0] != "414":
                continue
            place = locations.get(key.primary[1])
            if place is None:
                problems[event.index].append(
                    FieldProblem(
                        f"{where}.{field}",
                        f"Sự kiện {event.index}: GLN {key.primary[1]} chưa được đăng ký.",
                        f"Event {event.index}: GLN {key.primary[1]} is not registered.",
                    )
                )
            else:
                partners[event.index].add(place.enterprise_id)

    keys = [row.key for event in prepared for row in event.epcs if row.key is not None]
    prefix_owner = _prefix_owners(session, keys)
    gtin_owner = _gtin_owners(session, keys)
    unresolved: list[tuple[PreparedEvent, int]] = []
    for event in prepared:
        allowed = partners[event.index]
        for position, row in enumerate(event.epcs):
            if row.key is None:
                continue
            if gtin_owner.get(row.key.gtin or "") in allowed:
                continue
            digits = _company_digits(row.key) or ""
            if any(prefix_owner.get(digits[:n]) in allowed for n in _PREFIX_LENGTHS):
                continue
            unresolved.append((event, position))

    seen = _seen_by(session, own, {event.epcs[i].node or "" for event, i in unresolved})
    for event, position in unresolved:
        row = event.epcs[position]
        if row.node in seen:
            continue
        problems[event.index].append(
            FieldProblem(
                f"eventList[{event.index}].{row.field}",
                f"Sự kiện {event.index}: {row.epc} không thuộc doanh nghiệp hay đối tác khai "
                "báo trong sự kiện.",
                f"Event {event.index}: {row.epc} belongs neither to the enterprise nor to a "
                "trading partner declared in the event.",
            )
        )
    return problems


def _prefix_owners(session: Session, keys: Iterable[Key]) -> dict[str, int]:
    candidates = {
        digits[:n] for key in keys if (digits := _company_digits(key)) for n in _PREFIX_LENGTHS
    }
    owners: dict[str, int] = {}
    ordered = sorted(candidates)
    for start in range(0, len(ordered), 500):
        for prefix, enterprise_id in session.execute(
            select(CompanyPrefix.prefix, CompanyPrefix.enterprise_id).where(
                CompanyPrefix.prefix.in_(ordered[start : start + 500])
            )
        ):
            if enterprise_id is not None:
                owners[prefix] = enterprise_id
    return owners


def _gtin_owners(session: Session, keys: Iterable[Key]) -> dict[str, int]:
    gtins = sorted({key.gtin for key in keys if key.gtin})
    owners: dict[str, int] = {}
    for start in range(0, len(gtins), 500):
        for gtin, enterprise_id in session.execute(
            select(Product.gtin, Product.enterprise_id).where(
                Product.gtin.in_(gtins[start : start + 500])
            )
        ):
            owners[gtin] = enterprise_id
    return owners


def _seen_by(session: Session, enterprise_id: int, nodes: set[str]) -> set[str]:
    """The nodes that appear in an event concerning the enterprise, or that travelled
    inside a container (pallet) that does."""
    nodes.discard("")
    if not nodes:
        return set()
    ordered = sorted(nodes)
    concerned = select(EventParty.event_pk).where(EventParty.enterprise_id == enterprise_id)
    seen: set[str] = set()
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        seen.update(
            n
            for n in session.scalars(
                select(EventEpc.node).where(
                    EventEpc.node.in_(chunk), EventEpc.event_pk.in_(concerned)
                )
            )
            if n
        )
        containers = select(TraceLink.to_node).where(
            TraceLink.from_node.in_(chunk), TraceLink.kind == "aggregate"
        )
        container_seen = set(
            session.scalars(
                select(EventEpc.node).where(
                    EventEpc.node.in_(containers), EventEpc.event_pk.in_(concerned)
                )
            )
        )
        if container_seen:
            seen.update(
                session.scalars(
                    select(TraceLink.from_node).where(
                        TraceLink.from_node.in_(chunk), TraceLink.to_node.in_(container_seen)
                    )
                )
            )
    return seen
