"""A lot's read lists only its busy serials (scanned from more networks or devices than a
household's): a scan of any other serial, scanned before or never, needs no read of its
own however many serials the lot has, and the verdict is the one a read would give."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from registry.resolution import verdict as verdict_module
from registry.scans.service import Quiet, busy_serial_activity, rollup_activity
from registry.settings import Settings
from tests.resolver.conftest import World, seed_sources, seed_suspicious

HTML = {"user-agent": "Mozilla/5.0 (Linux; Android 14) Mobile", "accept": "text/html"}
WINDOW = 30
HOUSEHOLD = Quiet(networks=2, devices=2)


def _verdict(page_text: str) -> str:
    return page_text.split('data-verdict="', 1)[1].split('"', 1)[0]


def test_the_lot_read_gives_busy_serials_what_their_own_read_gives(
    db_session: Session, world: World
) -> None:
    gtin, lot = world.product.gtin, world.lot.code
    busy, networks_only, household, long_ago = world.serials[:4]
    seed_suspicious(db_session, gtin=gtin, lot=lot, serial=busy, scans=9, devices=6)
    seed_suspicious(
        db_session, gtin=gtin, lot=lot, serial=networks_only, scans=3, devices=1, networks=3
    )
    seed_suspicious(db_session, gtin=gtin, lot=lot, serial=household, scans=12, devices=2)
    old = dt.date.today() - dt.timedelta(days=WINDOW + 5)
    seed_sources(db_session, gtin=gtin, lot=lot, serial=long_ago, day=old, networks=8, devices=8)
    today = dt.datetime.now(dt.UTC).date()
    read = {"gtin": gtin, "lot": lot, "window_days": WINDOW, "today": today}

    serials = busy_serial_activity(db_session, **read, quiet=HOUSEHOLD, limit=10)

    assert serials is not None
    assert set(serials) == {busy, networks_only}
    for serial in (busy, networks_only):
        assert serials[serial] == rollup_activity(db_session, **read, serial=serial), serial
    assert (serials[busy].scan_count, serials[busy].network_count) == (9, 6)
    # More busy serials than the limit: the lot is read serial by serial.
    assert busy_serial_activity(db_session, **read, quiet=HOUSEHOLD, limit=1) is None


def test_a_serial_reads_its_rollup_in_one_statement(
    db_session: Session, world: World, statements: list[str]
) -> None:
    gtin, lot, serial = world.product.gtin, world.lot.code, world.serials[0]
    seed_suspicious(db_session, gtin=gtin, lot=lot, serial=serial, scans=4, devices=3)
    statements.clear()
    today = dt.datetime.now(dt.UTC).date()
    activity = rollup_activity(
        db_session, gtin=gtin, lot=lot, serial=serial, window_days=WINDOW, today=today
    )
    assert (activity.scan_count, activity.device_count, activity.network_count) == (4, 3, 3)
    assert len([s for s in statements if "serial_scan" in s]) == 1


def test_scanned_serials_of_a_big_lot_resolve_from_memory(
    client: TestClient,
    world: World,
    db_session: Session,
    statements: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Room for one busy serial only: more scanned serials than the limit, all the same.
    monkeypatch.setattr(verdict_module, "LOT_ROLLUP_LIMIT", 1)
    gtin, lot = world.product.gtin, world.lot.code
    copied, *others = world.serials
    seed_suspicious(db_session, gtin=gtin, lot=lot, serial=copied, scans=7, devices=6)
    for serial in others[:3]:
        seed_suspicious(db_session, gtin=gtin, lot=lot, serial=serial, scans=2, devices=1)

    first = client.get("/p" + world.path(lot=world.lot, serial=others[3]), headers=HTML)
    assert _verdict(first.text) == "genuine"
    statements.clear()
    verdicts = [
        _verdict(client.get("/p" + world.path(lot=world.lot, serial=s), headers=HTML).text)
        for s in [*others[:3], copied]
    ]
    assert verdicts == ["genuine", "genuine", "genuine", "suspicious_copy"]
    assert statements == []


def test_a_household_serial_copied_since_the_lot_read_turns_suspicious_at_once(
    via_proxy: TestClient,
    settings: Settings,
    world: World,
    db_session: Session,
    rollup_reads: str,
) -> None:
    """Stored scans as many as a quiet serial may have, then new phones on new networks:
    the verdict turns when the rule says, as a read of the serial's own would."""
    gtin, lot, serial = world.product.gtin, world.lot.code, world.serials[1]
    seed_suspicious(db_session, gtin=gtin, lot=lot, serial=serial, scans=2, devices=2)
    path = world.path(lot=world.lot, serial=serial)
    via_proxy.get(world.path(lot=world.lot, serial=world.serials[0]), headers=HTML)  # lot read

    seen = []
    for number in range(5):
        via_proxy.cookies.clear()
        page = via_proxy.get(path, headers={**HTML, "x-forwarded-for": f"10.{number}.0.9"})
        seen.append(_verdict(page.text))
    # Two stored; the rule wants more than 3 networks and more than 5 devices.
    turns = max(settings.suspicious_network_count, settings.suspicious_device_count) + 1 - 2
    assert seen == ["genuine"] * (turns - 1) + ["suspicious_copy"] * (5 - turns + 1)
