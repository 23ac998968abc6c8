"""The first scan of any other serial of a scanned lot needs no database read at all
(the lot's read itself is checked against each serial's own in test_busy_serials.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.resolver.conftest import World

PHONE = {"user-agent": "Mozilla/5.0 (Linux; Android 14) Mobile", "accept": "application/json"}


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
