"""Scan recording: every resolution stored once, no raw IP, rollups and copies."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.db import make_engine, make_sessionmaker
from registry.migrate import prepare_database
from registry.scans.device import agent_class, coarse_coordinate, device_hash, device_identity
from registry.scans.models import AgentClass, Scan, SerialScanDay
from registry.scans.recorder import ScanRecord, ScanRecorder
from registry.scans.writer import SessionWriter
from service.resolver import lifecycle
from tests.resolver.conftest import World

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"


def count_scans(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Scan)) or 0


def test_every_resolution_is_stored_once_after_shutdown(
    client: TestClient, app: FastAPI, world: World, db_session: Session
) -> None:
    paths = [
        world.path(),
        world.path(lot=world.lot),
        world.path(lot=world.lot, serial=world.serials[0]),
        world.path(lot=world.lot, serial=world.never_issued_serial),
        f"/01/{world.unregistered_gtin}",
        world.path(world.recalled_product, world.recalled_lot) + "?linkType=gs1:pip",
    ]
    resolutions = 0
    for round_ in range(5):
        for path in paths:
            client.get(path, headers={"user-agent": f"{PHONE} r{round_}"}, follow_redirects=False)
            resolutions += 1
    # Not scans: HEAD, OPTIONS, linksets, syntax errors, the page itself.
    client.head(world.path(), follow_redirects=False)
    client.options(world.path())
    client.get(world.path() + "?linkType=linkset")
    client.get("/01/123")
    client.get(f"/p{world.path()}")
    assert count_scans(db_session) == 0  # buffered, not yet written
    client.portal.call(lifecycle.stop, app)
    assert count_scans(db_session) == resolutions
    verdicts = dict(
        db_session.execute(select(Scan.verdict, func.count()).group_by(Scan.verdict)).all()
    )
    assert verdicts == {
        "registered": 10,
        "genuine": 5,
        "serial_never_issued": 5,
        "not_registered": 5,
        "recalled": 5,
    }


def test_scans_keep_no_ip_and_classify_agents(
    client: TestClient, app: FastAPI, world: World, db_session: Session
) -> None:
    agents = {
        PHONE: AgentClass.mobile,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537.36": AgentClass.desktop,
        "curl/8.5.0": AgentClass.bot,
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)": AgentClass.bot,
    }
    for agent in agents:
        client.get(world.path(lot=world.lot), headers={"user-agent": agent}, follow_redirects=False)
    client.portal.call(lifecycle.stop, app)
    rows = db_session.execute(select(Scan)).scalars().all()
    assert sorted(r.agent_class for r in rows) == sorted(a.value for a in agents.values())
    for row in rows:
        assert len(row.device_hash) == 32 and "testclient" not in row.device_hash
        values = [str(getattr(row, c.key)) for c in Scan.__table__.columns]
        assert not any("testclient" in v or "127.0.0.1" in v for v in values)
    # One phone's network and cookie: a new User-Agent is not a new device.
    assert len({r.device_hash for r in rows}) == 1


def test_device_hash_rotates_daily_and_needs_the_secret() -> None:
    day = dt.date(2026, 11, 27)
    phone = device_identity(cookie="Zx8-c00kie-value_1")
    same = device_hash(secret_key="k", device=phone, day=day)
    assert same == device_hash(secret_key="k", device=phone, day=day)
    assert same != device_hash(secret_key="k", device=phone, day=day + dt.timedelta(days=1))
    assert same != device_hash(secret_key="other", device=phone, day=day)
    assert device_identity(cookie="another-phone-cookie") != phone
    assert agent_class("") is AgentClass.bot
    assert coarse_coordinate(10.3456) == 10.3 and coarse_coordinate(106.07) == 106.1


def test_rollup_counts_people_not_bots(
    client: TestClient, recorder: ScanRecorder, world: World, db_session: Session, settings
) -> None:
    serial = world.serials[1]
    path = world.path(lot=world.lot, serial=serial)
    for agent in (PHONE, PHONE, PHONE + " other", "curl/8"):
        client.get(path, headers={"user-agent": agent}, follow_redirects=False)
    recorder.flush()
    client.get(path, headers={"user-agent": PHONE}, follow_redirects=False)
    client.get(path, headers={"user-agent": PHONE + " third"}, follow_redirects=False)
    recorder.flush()
    (row,) = db_session.scalars(select(SerialScanDay).where(SerialScanDay.serial == serial))
    # Three people's scans a day from one network are counted; the bot and the rest not.
    assert row.scan_count == settings.counted_scans_per_network_day == 3
    agents = db_session.scalars(
        select(Scan.agent_class).where(Scan.serial == serial).order_by(Scan.id)
    )
    assert list(agents) == ["mobile", "mobile", "mobile", "bot", "repeat", "repeat"]


def test_a_serial_scanned_often_from_one_network_stays_genuine(
    client: TestClient,
    recorder: ScanRecorder,
    world: World,
    db_session: Session,
    rollup_reads: str,
) -> None:
    serial = world.serials[2]
    path = world.path(lot=world.lot, serial=serial)
    for number in range(1, 22):
        client.get(path, headers={"user-agent": PHONE}, follow_redirects=False)
        if number == 10:
            recorder.flush()  # half in the rollup, half still buffered
    recorder.flush()
    verdicts = db_session.scalars(select(Scan.verdict).where(Scan.serial == serial)).all()
    assert verdicts == ["genuine"] * 21


def test_sharing_a_place_before_and_after_the_flush(
    client: TestClient, recorder: ScanRecorder, world: World, db_session: Session
) -> None:
    from registry.places.models import AdminUnit

    province = db_session.scalars(
        select(AdminUnit).where(AdminUnit.level == "province").limit(2)
    ).all()
    path = world.path(lot=world.lot, serial=world.serials[0])
    headers = {"user-agent": PHONE}
    client.get(path, headers=headers, follow_redirects=False)
    shared = client.post(
        "/p/share-place",
        data={"path": path, "province_code": province[0].code},
        headers=headers,
        follow_redirects=False,
    )
    assert shared.status_code == 303
    recorder.flush()
    client.get(path, headers={"user-agent": PHONE + " b"}, follow_redirects=False)
    recorder.flush()
    client.post(
        "/p/share-place",
        data={"path": path, "latitude": "10.3456", "longitude": "106.0712"},
        headers={"user-agent": PHONE + " b"},
    )
    rows = db_session.scalars(
        select(Scan).where(Scan.serial == world.serials[0]).order_by(Scan.id)
    ).all()
    assert rows[0].province_code == province[0].code
    assert (rows[1].latitude, rows[1].longitude) == (10.3, 106.1)
    (rollup,) = db_session.scalars(
        select(SerialScanDay).where(SerialScanDay.serial == world.serials[0])
    )
    assert rollup.place_count == 2
    bad = client.post(
        "/p/share-place",
        data={"path": path, "latitude": "abc"},
        headers={"accept": "application/json"},
    )
    assert bad.status_code == 422


def _record(gtin: str, serial: str | None = None) -> ScanRecord:
    return ScanRecord(
        scanned_at=dt.datetime.now(dt.UTC),
        gtin=gtin,
        lot="L1",
        serial=serial,
        verdict="genuine",
        device_hash="d" * 32,
        agent_class="mobile",
    )


def test_failed_writes_stay_queued_until_the_database_is_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'scans.sqlite3'}"
    engine = make_engine(url)
    recorder = ScanRecorder(SessionWriter(make_sessionmaker(engine)))
    for _ in range(3):
        recorder.record(_record("08930000000017", "S1"))  # no tables yet: the write fails
    assert recorder.pending_count() == 3
    prepare_database(url)
    assert recorder.flush() == 3
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Scan)) == 3
    engine.dispose()


def test_background_task_flushes_periodically_when_large_and_at_close(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bg.sqlite3'}"
    prepare_database(url)
    engine = make_engine(url)
    recorder = ScanRecorder(SessionWriter(make_sessionmaker(engine)), flush_at=50)

    def stored() -> int:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(Scan)) or 0

    async def scenario() -> tuple[int, int, int]:
        task = asyncio.create_task(recorder.run(3600))
        await asyncio.sleep(0)
        # Request threads record concurrently; 200 ≥ flush_at wakes the task early.
        threads = [
            threading.Thread(
                target=lambda: [recorder.record(_record("08930000000017")) for _ in range(50)]
            )
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for _ in range(100):
            await asyncio.sleep(0.02)
            if stored() >= 150:
                break
        early = stored()
        for _ in range(7):
            recorder.record(_record("08930000000024"))
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        before_close = stored()
        await recorder.close()
        return early, before_close, stored()

    early, before_close, final = asyncio.run(scenario())
    assert early >= 150  # written long before the hour-long interval
    assert before_close < 207
    assert final == 207 and recorder.pending_count() == 0
    engine.dispose()
