"""A generated supply chain farm → packhouse → processor → distributor → retailer, with
splits and merges, recorded through the step API. The generator keeps its own graph of
what went into what, so tests can derive the expected genealogy independently."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.enterprises.models import Enterprise
from registry.locations.models import Location, LocationKind
from registry.lots.models import Lot
from tests.factories import api_headers, make_enterprise, make_location, make_lot, make_product


@dataclass
class Party:
    enterprise: Enterprise
    location: Location
    headers: dict[str, str]


@dataclass
class Chain:
    lots: dict[str, Lot] = field(default_factory=dict)
    owner: dict[str, str] = field(default_factory=dict)
    made_from: dict[str, set[str]] = field(default_factory=dict)
    """output lot name → input lot names"""
    pallets: dict[str, set[str]] = field(default_factory=dict)
    """SSCC → lot names on it"""
    received_by: dict[str, set[str]] = field(default_factory=dict)
    """lot name or SSCC → party names that received it"""
    parties: dict[str, Party] = field(default_factory=dict)

    def downstream(self, name: str) -> set[str]:
        found: set[str] = set()
        frontier = {name}
        while frontier:
            frontier = {out for out, ins in self.made_from.items() if ins & frontier} - found
            found |= frontier
        return found

    def upstream(self, name: str) -> set[str]:
        found: set[str] = set()
        frontier = {name}
        while frontier:
            frontier = {i for n in frontier for i in self.made_from.get(n, set())} - found
            found |= frontier
        return found

    def pallets_of(self, names: Iterable[str]) -> set[str]:
        names = set(names)
        return {sscc for sscc, contents in self.pallets.items() if contents & names}


class _Recorder:
    def __init__(self, client: TestClient, chain: Chain) -> None:
        self.client = client
        self.chain = chain
        self.clock = dt.datetime.now(dt.UTC) - dt.timedelta(days=20)

    def post(self, party: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        self.clock += dt.timedelta(minutes=7)
        body = {**body, "occurred_at": self.clock.isoformat()}
        response = self.client.post(
            f"/api/v1{path}", json=body, headers=self.chain.parties[party].headers
        )
        assert response.status_code == 201, (path, response.text)
        result: dict[str, Any] = response.json()
        return result

    def ship_lot(self, sender: str, receiver: str, name: str) -> None:
        lot = self.chain.lots[name]
        source = self.chain.parties[sender].location
        target = self.chain.parties[receiver].location
        self.post(
            sender,
            f"/lots/{lot.id}/ship",
            {
                "from_location_id": source.id,
                "to_gln": target.gln,
                "quantity": "10",
                "unit": "KGM",
                "despatch_advice": f"DA-{name}",
            },
        )
        self.post(
            receiver,
            f"/lots/{lot.id}/receive",
            {"location_id": target.id, "from_gln": source.gln, "quantity": "10", "unit": "KGM"},
        )
        self.chain.received_by.setdefault(name, set()).add(receiver)

    def ship_pallet(self, sender: str, receiver: str, names: list[str]) -> None:
        source = self.chain.parties[sender].location
        target = self.chain.parties[receiver].location
        pallet = self.post(
            sender,
            "/pallets",
            {
                "location_id": source.id,
                "contents": [
                    {"lot_id": self.chain.lots[n].id, "quantity": "5", "unit": "KGM"} for n in names
                ],
            },
        )
        sscc = pallet["sscc"]
        self.chain.pallets[sscc] = set(names)
        self.post(
            sender, f"/pallets/{sscc}/ship", {"from_location_id": source.id, "to_gln": target.gln}
        )
        self.post(
            receiver, f"/pallets/{sscc}/receive", {"location_id": target.id, "from_gln": source.gln}
        )
        self.chain.received_by.setdefault(sscc, set()).add(receiver)

    def transform(self, party: str, output: str, inputs: set[str], *, packing: bool) -> None:
        location = self.chain.parties[party].location
        self.post(
            party,
            f"/lots/{self.chain.lots[output].id}/{'pack' if packing else 'process'}",
            {
                "location_id": location.id,
                "quantity": "20",
                "unit": "KGM",
                "inputs": [{"lot_id": self.chain.lots[i].id} for i in sorted(inputs)],
            },
        )
        self.chain.made_from[output] = set(inputs)


def _party(session: Session, name: str, kind: LocationKind) -> Party:
    enterprise = make_enterprise(session, legal_name=f"Công ty {name}")
    return Party(
        enterprise,
        make_location(session, enterprise=enterprise, kind=kind),
        api_headers(session, role=Role.enterprise, enterprise=enterprise),
    )


def _lots(session: Session, chain: Chain, party: str, prefix: str, count: int) -> list[str]:
    product = make_product(session, enterprise=chain.parties[party].enterprise)
    names = []
    for i in range(count):
        name = f"{prefix}{i}"
        chain.lots[name] = make_lot(session, product=product)
        chain.owner[name] = party
        names.append(name)
    return names


def _mix(rng: random.Random, inputs: list[str], outputs: list[str]) -> dict[str, set[str]]:
    """Each output from 1–3 inputs (merges); inputs reused across outputs (splits)."""
    return {out: set(rng.sample(inputs, rng.randint(1, min(3, len(inputs))))) for out in outputs}


def build_chain(session: Session, client: TestClient, *, seed: int = 7) -> Chain:
    rng = random.Random(seed)
    chain = Chain()
    for name, kind in (
        ("farm_a", LocationKind.farm),
        ("farm_b", LocationKind.farm),
        ("packhouse", LocationKind.packhouse),
        ("processor", LocationKind.factory),
        ("distributor", LocationKind.warehouse),
        ("retailer", LocationKind.store),
    ):
        chain.parties[name] = _party(session, name, kind)
    farm_lots = _lots(session, chain, "farm_a", "FA", 3) + _lots(session, chain, "farm_b", "FB", 3)
    pack_lots = _lots(session, chain, "packhouse", "P", 4)
    made_lots = _lots(session, chain, "processor", "R", 3)
    dist_lots = _lots(session, chain, "distributor", "D", 3)
    session.flush()
    record = _Recorder(client, chain)

    today = dt.date.today() - dt.timedelta(days=21)
    for name in farm_lots:
        party = chain.owner[name]
        record.post(
            party,
            f"/lots/{chain.lots[name].id}/harvest",
            {
                "location_id": chain.parties[party].location.id,
                "harvested_on": today.isoformat(),
                "quantity": "100",
                "unit": "KGM",
            },
        )
    packed = _mix(rng, farm_lots[:-1], pack_lots)  # the last farm lot is never used
    for name in sorted({i for ins in packed.values() for i in ins}):
        record.ship_lot(chain.owner[name], "packhouse", name)
    for output, inputs in packed.items():
        record.transform("packhouse", output, inputs, packing=True)
    record.ship_pallet("packhouse", "processor", pack_lots[:2])
    record.ship_pallet("packhouse", "processor", pack_lots[2:3])
    record.ship_lot("packhouse", "processor", pack_lots[3])
    for output, inputs in _mix(rng, pack_lots, made_lots).items():
        record.transform("processor", output, inputs, packing=False)
    for name in made_lots:
        record.ship_lot("processor", "distributor", name)
    for output, inputs in _mix(rng, made_lots, dist_lots).items():
        record.transform("distributor", output, inputs, packing=True)
    record.ship_pallet("distributor", "retailer", dist_lots)
    return chain


@dataclass(frozen=True)
class Chained:
    chain: Chain
    connection: Connection
