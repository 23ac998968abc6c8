"""The documented scan metrics move: scans waiting in memory, then scans written."""

from __future__ import annotations

from fastapi.testclient import TestClient

from registry.scans.recorder import ScanRecorder
from tests.metrics import metric_value
from tests.resolver.conftest import World

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"


def test_buffer_depth_and_scans_recorded_follow_the_scans(
    client: TestClient, recorder: ScanRecorder, world: World
) -> None:
    recorder.flush()
    recorded_before = metric_value(client, "truyxuat_scans_recorded_total")
    assert metric_value(client, "truyxuat_scan_buffer_depth") == 0
    paths = [world.path(lot=world.lot, serial=serial) for serial in world.serials[:3]]
    for path in paths:
        answer = client.get(path, headers={"user-agent": PHONE}, follow_redirects=False)
        assert answer.status_code == 307, answer.text
    assert metric_value(client, "truyxuat_scan_buffer_depth") == len(paths)
    assert metric_value(client, "truyxuat_scans_recorded_total") == recorded_before

    assert recorder.flush() == len(paths)
    assert metric_value(client, "truyxuat_scan_buffer_depth") == 0
    assert metric_value(client, "truyxuat_scans_recorded_total") == recorded_before + len(paths)
