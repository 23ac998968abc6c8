"""A small registered world for the resolver: one product per verdict, and an app
whose scan recorder is started and stopped like the real lifespan does it."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from registry.resolution import verdict as verdict_module
from registry.scans.models import SerialScanDay, SerialScanSource, SourceKind
from registry.scans.recorder import ScanRecorder
from registry.settings import Settings
from service.resolver import lifecycle
from tests.app_under_test import app_on
from tests.resolver.world import World, build_world
from tests.resolver.world import free_gtin as free_gtin

BASE = "https://truyxuat.dongthap.gov.vn"


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """The real app with a started recorder; the flush interval is long so that only
    the test (or shutdown) writes scans, never a background thread mid-request."""
    with TestClient(app, base_url=BASE) as client:
        client.portal.call(functools.partial(lifecycle.start, app, flush_interval=3600))
        yield client
        client.portal.call(lifecycle.stop, app)


# TEST-NET-3 and TEST-NET-2: documentation blocks, never a real client.
STALL = ("203.0.113.45", 40000)
PROXY = ("198.51.100.7", 40000)


def _client_at(app: FastAPI, address: tuple[str, int]) -> Iterator[TestClient]:
    # A stopped clock for the rate limits: nothing refills while a test sends.
    for buckets in vars(app.state.network_limits).values():
        buckets.clock = lambda: 1000.0
    with TestClient(app, base_url=BASE, client=address) as client:
        client.portal.call(functools.partial(lifecycle.start, app, flush_interval=3600))
        yield client
        client.portal.call(lifecycle.stop, app)


@pytest.fixture
def stall(app: FastAPI) -> Iterator[TestClient]:
    """Every phone of a market stall, behind the stall's one address."""
    yield from _client_at(app, STALL)


@pytest.fixture
def proxied_app(settings: Settings, app_state) -> FastAPI:  # type: ignore[no-untyped-def]
    """The app behind a reverse proxy at PROXY, which TRUYXUAT_TRUSTED_PROXIES names."""
    proxied = settings.model_copy(update={"trusted_proxies": "198.51.100.0/24"})
    return app_on(proxied, app_state)


@pytest.fixture
def via_proxy(proxied_app: FastAPI) -> Iterator[TestClient]:
    """A client whose connections come from the trusted proxy."""
    yield from _client_at(proxied_app, PROXY)


@pytest.fixture(params=["by-lot", "by-serial"])
def rollup_reads(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The lot's scanned serials read together, or (a lot past the limit) one by one."""
    if request.param == "by-serial":
        # A limit no lot is within, not even one never scanned.
        monkeypatch.setattr(verdict_module, "LOT_ROLLUP_LIMIT", -1)
    return str(request.param)


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs while the test runs."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _many):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def recorder(app: FastAPI, client: TestClient) -> ScanRecorder:
    recorder: ScanRecorder = app.state.scan_recorder
    return recorder


@pytest.fixture
def world(db_session: Session) -> World:
    return build_world(db_session)


def seed_suspicious(
    session: Session,
    *,
    gtin: str,
    lot: str,
    serial: str,
    scans: int,
    devices: int,
    networks: int | None = None,
) -> dt.datetime:
    """Rollup rows as earlier flushes would have left them: `scans` over two days, from
    `devices` devices on `networks` networks (as many as devices unless given)."""
    first = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=2)
    seed_sources(
        session,
        gtin=gtin,
        lot=lot,
        serial=serial,
        day=first.date(),
        networks=devices if networks is None else networks,
        devices=devices,
    )
    for offset, count in enumerate((scans // 2, scans - scans // 2)):
        at = first + dt.timedelta(days=offset)
        session.add(
            SerialScanDay(
                gtin=gtin,
                lot=lot,
                serial=serial,
                day=at.date(),
                scan_count=count,
                place_count=0,
                first_scanned_at=at,
                last_scanned_at=at,
            )
        )
    session.flush()
    return first


def seed_sources(
    session: Session, *, gtin: str, lot: str, serial: str, day: dt.date, networks: int, devices: int
) -> None:
    """The networks and devices a serial's earlier flushes would have stored."""
    for kind, count in ((SourceKind.network, networks), (SourceKind.device, devices)):
        for number in range(count):
            session.add(
                SerialScanSource(
                    gtin=gtin,
                    lot=lot,
                    serial=serial,
                    source=f"{kind.value}-{number}",
                    kind=kind.value,
                    first_seen_on=day,
                    last_seen_on=day,
                )
            )
