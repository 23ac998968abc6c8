"""Requests for the same item that miss the caches together share one database run:
a burst after a quiet spell costs one read, not one per request in flight."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from registry.resolution.verdict import ResolverCaches
from tests.resolver.conftest import BASE, World

HTML = {"accept": "text/html", "user-agent": "Mozilla/5.0 (Linux; Android 14) Mobile"}
BURST = 20


def _burst(client: TestClient, app: FastAPI, paths: list[str]) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
            return await asyncio.gather(*(http.get(path, headers=HTML) for path in paths))

    return client.portal.call(run)


@pytest.mark.parametrize("page", [True, False], ids=["page", "redirect"])
def test_a_burst_on_cold_caches_reads_the_database_once(
    client: TestClient, app: FastAPI, world: World, statements: list[str], page: bool
) -> None:
    path = ("/p" if page else "") + world.path(lot=world.lot, serial=world.serials[0])
    expected = 200 if page else 307

    app.state.resolver_caches = ResolverCaches()
    statements.clear()
    alone = _burst(client, app, [path])
    one_request = len(statements)
    assert alone[0].status_code == expected
    assert one_request > 0  # cold caches: the request did read the database

    app.state.resolver_caches = ResolverCaches()
    statements.clear()
    answers = _burst(client, app, [path] * BURST)
    assert [a.status_code for a in answers] == [expected] * BURST
    assert len({a.text for a in answers}) == 1
    # One run for the burst (without sharing: BURST runs, four at a time).
    assert len(statements) == one_request, statements
