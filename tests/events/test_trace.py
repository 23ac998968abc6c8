"""Tracing a generated chain with splits and merges, through the API on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from registry.events.steps import lot_uri, sscc_uri
from tests.app_under_test import savepoint_on
from tests.events.chain import Chain, Chained


@pytest.fixture
def connection(chained: Chained) -> Iterator[Connection]:
    yield from savepoint_on(chained.connection)


@pytest.fixture
def chain(chained: Chained) -> Chain:
    return chained.chain


def _lots(chain: Chain, nodes: list[dict[str, Any]]) -> set[str]:
    by_uri = {lot_uri(lot): name for name, lot in chain.lots.items()}
    return {by_uri[n["node"]] for n in nodes if n["lot"] is not None}


def _ssccs(nodes: list[dict[str, Any]]) -> set[str]:
    return {n["sscc"] for n in nodes if n["sscc"]}


def test_trace_from_every_lot_finds_exactly_its_genealogy(
    chain: Chain, client: TestClient, agency_headers: dict[str, str]
) -> None:
    uses = [i for inputs in chain.made_from.values() for i in inputs]
    assert any(len(inputs) > 1 for inputs in chain.made_from.values()), "no merge generated"
    assert any(uses.count(i) > 1 for i in uses), "no split generated"
    for name, lot in chain.lots.items():
        response = client.get("/api/v1/trace", params={"lot_id": lot.id}, headers=agency_headers)
        assert response.status_code == 200, response.text
        body = response.json()
        downstream = chain.downstream(name)
        assert _lots(chain, body["upstream"]) == chain.upstream(name), name
        assert _lots(chain, body["downstream"]) == downstream, name
        assert _ssccs(body["downstream"]) == chain.pallets_of({name} | downstream), name
        assert _lots(chain, body["one_step_back"]) == chain.made_from.get(name, set()), name
        assert _lots(chain, body["one_step_forward"]) == {
            out for out, ins in chain.made_from.items() if name in ins
        }, name


def test_trace_from_a_pallet_covers_its_contents(
    chain: Chain, client: TestClient, agency_headers: dict[str, str]
) -> None:
    for sscc, contents in chain.pallets.items():
        body = client.get(
            "/api/v1/trace", params={"epc": sscc_uri(sscc)}, headers=agency_headers
        ).json()
        upstream = contents | {u for c in contents for u in chain.upstream(c)}
        downstream = contents | {d for c in contents for d in chain.downstream(c)}
        assert _lots(chain, body["upstream"]) == upstream
        assert _lots(chain, body["downstream"]) == downstream


def test_recall_impact_names_every_downstream_lot_and_receiver(
    chain: Chain, client: TestClient, agency_headers: dict[str, str]
) -> None:
    names = {p.enterprise.id: n for n, p in chain.parties.items()}
    for name, lot in chain.lots.items():
        body = client.get(
            "/api/v1/trace/recall-impact", params={"lot_id": lot.id}, headers=agency_headers
        ).json()
        affected = {name} | chain.downstream(name)
        assert {chain.lots[n].id for n in affected} == {x["lot_id"] for x in body["lots"]}
        carriers = affected | chain.pallets_of(affected)
        receivers = {r for c in carriers for r in chain.received_by.get(c, set())}
        received = {names[e["enterprise_id"]] for e in body["enterprises"] if e["received"]}
        assert received == receivers, name


def test_enterprise_traces_only_what_it_handled(chain: Chain, client: TestClient) -> None:
    retailer = chain.parties["retailer"].headers
    unused = chain.lots["FB2"]
    assert (
        client.get("/api/v1/trace", params={"lot_id": unused.id}, headers=retailer).status_code
        == 404
    )
    sold = next(iter(chain.pallets_of({"D0"})))
    assert (
        client.get("/api/v1/trace", params={"epc": sscc_uri(sold)}, headers=retailer).status_code
        == 200
    )
