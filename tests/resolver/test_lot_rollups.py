"""A lot's scanned serials are read together: the same figures as one serial's read,
and the first scan of any other serial of the lot needs no database read at all."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from registry.resolution.verdict import LOT_ROLLUP_LIMIT
from registry.scans.models import SerialScanDay
from registry.scans.service import NO_ACTIVITY, lot_rollup_activity, rollup_activity
from tests.resolver.conftest import World, seed_suspicious

PHONE = {"user-agent": "Mozilla/5.0 (Linux; Android 14) Mobile", "accept": "application/json"}
WINDOW = 30


def test_the_lot_read_gives_each_serial_what_its_own_read_gives(
    db_session: Session, world: World
) -> None:
    gtin, lot = world.product.gtin, world.lot.code
    seed_suspicious(db_session, gtin=gtin, lot=lot, serial=world.serials[0], scans=7, devices=3)
    seed_suspicious(db_session, gtin=gtin, lot=lot, serial=world.serials[1], scans=2, devices=2)
    # Scanned once, long ago: outside the window, but its first scan still shows.
    long_ago = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=WINDOW + 5)
    db_session.add(
        SerialScanDay(
            gtin=gtin,
            lot=lot,
            serial=world.serials[2],
            day=long_ago.date(),
            scan_count=1,
            place_count=0,
            first_scanned_at=long_ago,
            last_scanned_at=long_ago,
        )
    )
    db_session.flush()
    today = dt.datetime.now(dt.UTC).date()
    read = {"gtin": gtin, "lot": lot, "window_days": WINDOW, "today": today}
    serials = lot_rollup_activity(db_session, **read, limit=LOT_ROLLUP_LIMIT)
    assert serials is not None
    assert set(serials) == set(world.serials[:3])
    for serial in world.serials[:5]:
        alone = rollup_activity(db_session, **read, serial=serial)
        assert serials.get(serial, NO_ACTIVITY) == alone, serial
    assert serials[world.serials[0]].scan_count == 7
    assert serials[world.serials[2]].scan_count == 0
    assert serials[world.serials[2]].first_scanned_at == long_ago
    # Past the limit the lot is not read whole: its serials are read one by one.
    assert lot_rollup_activity(db_session, **read, limit=2) is None


def test_a_new_serial_of_a_scanned_lot_resolves_from_memory(
    client: TestClient, world: World, statements: list[str]
) -> None:
    first = client.get(
        world.path(lot=world.lot, serial=world.serials[0]), headers=PHONE, follow_redirects=False
    )
    assert first.status_code == 307
    statements.clear()
    for serial in world.serials[1:4]:
        answer = client.get(
            world.path(lot=world.lot, serial=serial), headers=PHONE, follow_redirects=False
        )
        assert answer.status_code == 307
    assert statements == []
