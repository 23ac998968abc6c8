"""A small registered world for the resolver: one product per verdict, and an app
whose scan recorder is started and stopped like the real lifespan does it."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from registry.actor import SYSTEM
from registry.certificates.models import CertificateKind
from registry.enterprises.models import Enterprise, EnterpriseStatus
from registry.gs1 import gs1_check_digit
from registry.labels.models import LabelRun, RunStatus
from registry.labels.service import create_run, run_serials, void_run
from registry.locations.models import Location
from registry.lots.models import Lot
from registry.products.models import Product, ProductStatus
from registry.recalls.models import Recall
from registry.resolution import verdict as verdict_module
from registry.scans.models import SerialScanDay, SerialScanSource, SourceKind
from registry.scans.recorder import ScanRecorder
from registry.settings import Settings
from service.resolver import lifecycle
from tests.factories import (
    make_certificate,
    make_enterprise,
    make_location,
    make_lot,
    make_product,
)

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
    from service.app import create_app

    proxied = settings.model_copy(update={"trusted_proxies": "198.51.100.0/24"})
    return create_app(proxied, state=app_state)


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


def free_gtin(session: Session, stem: str = "0893999") -> str:
    """A valid GTIN-14 that no product has."""
    for item in range(100000, 999999):
        body = f"{stem}{item:06d}"[:13]
        gtin = body + gs1_check_digit(body)
        if session.query(Product.id).filter(Product.gtin == gtin).first() is None:
            return gtin
    raise AssertionError("no free GTIN")


@dataclass
class World:
    enterprise: Enterprise
    product: Product
    lot: Lot
    origin: Location
    run: LabelRun
    serials: list[str]
    recalled_product: Product
    recalled_lot: Lot
    recall: Recall
    expired_lot: Lot
    withdrawn_product: Product
    suspended_product: Product
    void_lot: Lot
    void_serial: str
    unregistered_gtin: str
    never_issued_serial: str
    extra: dict[str, object] = field(default_factory=dict)

    def path(
        self, product: Product | None = None, lot: Lot | None = None, serial: str | None = None
    ) -> str:
        product = product or self.product
        text = f"/01/{product.gtin}"
        if lot is not None:
            text += f"/10/{lot.code}"
        if serial is not None:
            text += f"/21/{serial}"
        return text


@pytest.fixture
def world(db_session: Session) -> World:
    return build_world(db_session)


def build_world(session: Session) -> World:
    enterprise = make_enterprise(session, legal_name="Hợp tác xã Xoài Cát Hòa Lộc")
    origin = make_location(session, enterprise=enterprise)
    product = make_product(
        session,
        enterprise=enterprise,
        name_vi="Xoài cát Hòa Lộc",
        name_en="Hoa Loc mango",
        standards_applied="TCVN 12828:2019",
        warnings_vi="Rửa sạch trước khi ăn.",
        warnings_en="Wash before eating.",
    )
    lot = make_lot(session, product=product, code="XOAI2026A")
    lot.origin_location_id = origin.id
    make_certificate(session, enterprise=enterprise, product=product, kind=CertificateKind.ocop)
    make_certificate(session, enterprise=enterprise, product=product, kind=CertificateKind.vietgap)
    run = create_run(session, actor=SYSTEM, lot=lot, count=5, serialized=True, layout="a4-3x7")
    serials = run_serials(run) or []
    run.status = RunStatus.done  # printed already: keep the label job from rendering it

    recalled_product = make_product(session, enterprise=enterprise, name_vi="Mắm cá linh")
    recalled_lot = make_lot(session, product=recalled_product, code="MAM01")
    recall = Recall(
        product_id=recalled_product.id,
        lot_id=recalled_lot.id,
        reason_vi="Vượt ngưỡng histamin",
        reason_en="Histamine above the limit",
        notice_vi="Ngừng sử dụng lô MAM01, trả lại nơi mua.",
        notice_en="Stop using lot MAM01 and return it.",
        created_by="test",
        started_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
    )
    session.add(recall)

    expired_lot = make_lot(session, product=product, code="XOAI2025Z")
    expired_lot.production_on = dt.date.today() - dt.timedelta(days=60)
    expired_lot.expiry_on = dt.date.today() - dt.timedelta(days=3)
    withdrawn_product = make_product(session, enterprise=enterprise, name_vi="Bánh phồng tôm")
    withdrawn_product.status = ProductStatus.withdrawn

    suspended = make_enterprise(session, legal_name="Công ty Tạm Ngưng")
    suspended_product = make_product(session, enterprise=suspended, name_vi="Nem Lai Vung")
    suspended.status = EnterpriseStatus.suspended

    void_lot = make_lot(session, product=product, code="XOAIVOID")
    void = create_run(
        session, actor=SYSTEM, lot=void_lot, count=2, serialized=True, layout="a4-3x7"
    )
    void_serial = (run_serials(void) or [""])[0]
    void.status = RunStatus.done
    void_run(session, actor=SYSTEM, run=void, reason="in lỗi")
    session.flush()

    # Same shape as a real serial, but its MAC does not match: never issued.
    forged = serials[0][:6] + ("0" if serials[0][6] != "0" else "1") + serials[0][7:]
    return World(
        enterprise=enterprise,
        product=product,
        lot=lot,
        origin=origin,
        run=run,
        serials=serials,
        recalled_product=recalled_product,
        recalled_lot=recalled_lot,
        recall=recall,
        expired_lot=expired_lot,
        withdrawn_product=withdrawn_product,
        suspended_product=suspended_product,
        void_lot=void_lot,
        void_serial=void_serial,
        unregistered_gtin=free_gtin(session),
        never_issued_serial=forged,
    )


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
