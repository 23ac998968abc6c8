"""PostgreSQL killed and restarted under load on the resolver: no 500s, nothing
acknowledged is lost, readiness follows the database, and the service recovers by itself.

The database server is a throwaway cluster of this test's own, never the machine's; the
demo data is copied into it from the test database server."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.databases import Databases
from tests.faults.harness import (
    GRACEFUL_TIMEOUT_SECONDS,
    ResolverLoad,
    Server,
    demo_database,
    lift_network_limits,
    stored_scans,
)
from tests.faults.throwaway_postgres import throwaway_cluster, unavailable_reason

# Seen unready within this of the kill; ready again within this of the database's return.
MAX_OUTAGE_SECONDS = 5.0
DOWN_AFTER_SEEN_SECONDS = 1.0
# Acknowledged scans that show the resolver taking scans before the kill and after the
# database's return; the load runs until then, not for a set time.
SCANS_PER_PHASE = 50
LOAD_DEADLINE_SECONDS = 60.0


def _readyz(server: Server) -> int | str:
    try:
        return httpx.get(f"{server.url}/readyz", timeout=2).status_code
    except httpx.TransportError as exc:
        return type(exc).__name__


@pytest.mark.postgres
@pytest.mark.slow
def test_postgres_killed_and_restarted_under_resolver_load(
    databases: Databases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if reason := unavailable_reason():
        pytest.skip(reason)
    lift_network_limits(monkeypatch)
    # The demo (and its API key) copied from this process's demo template on the shared
    # server: migrating and loading it on the new cluster took ~5 s of CPU.
    with (
        demo_database(databases, "postgresql") as (source_url, demo),
        throwaway_cluster() as cluster,
    ):
        database_url = cluster.copy_database(source_url, "truyxuat")
        demo_scans = stored_scans(database_url, demo.gtin)  # the demo's own history
        server = Server(database_url, tmp_path / "data")
        server.start()
        # The test ends the load once scans are acknowledged after the database is back
        # (the server answers ~2,000 a second from memory).
        load = ResolverLoad(
            f"{server.url}/01/{demo.gtin}/10/{demo.lot}",
            threads=4,
            per_thread=50_000,
            seconds=LOAD_DEADLINE_SECONDS,
        )
        readiness: list[tuple[float, int | str]] = []  # (seconds since the kill, status)
        try:
            load.start()
            load.wait_acknowledged(SCANS_PER_PHASE, within=20)
            load.phase = "outage"
            killed_at = time.monotonic()
            cluster.kill()
            # Down until the server has seen it, and a little longer, so that scans
            # arrive while there is no database to write them to.
            while time.monotonic() - killed_at < MAX_OUTAGE_SECONDS:
                readiness.append((time.monotonic() - killed_at, _readyz(server)))
                if readiness[-1][1] == 503:
                    break
                time.sleep(0.1)
            time.sleep(DOWN_AFTER_SEEN_SECONDS)
            cluster.start()
            back_at = time.monotonic() - killed_at
            while time.monotonic() - killed_at < 20 and readiness[-1][1] != 200:
                readiness.append((time.monotonic() - killed_at, _readyz(server)))
                time.sleep(0.2)
            load.phase = "after"
            load.wait_acknowledged(SCANS_PER_PHASE, within=20)
            result = load.stop()
        finally:
            load.stop()
            if not cluster.running():
                cluster.start()
            code, took = server.terminate(within=GRACEFUL_TIMEOUT_SECONDS + 10)
        stored = stored_scans(database_url, demo.gtin) - demo_scans
    unready = [at for at, status in readiness if status == 503]
    after_outage = [status for at, status in readiness if unready and at > unready[-1]]
    ready_at = next((at for at, status in readiness if unready and at > unready[-1]), None)
    outage = ready_at - unready[0] if ready_at is not None else None
    recovered_in = ready_at - back_at if ready_at is not None else None
    report = (
        f"PostgreSQL killed, accepting again after {back_at:.1f} s, /readyz 503 for "
        f"{outage and round(outage, 1)} s, ready {recovered_in and round(recovered_in, 1)} s "
        f"after the database; "
        f"{result.summary()}; stored={stored}; "
        f"by phase={ {phase: dict(n) for phase, n in result.by_phase.items()} }; "
        f"/readyz={[(round(at, 1), status) for at, status in readiness]}; "
        f"server exit {code} after {took:.1f} s"
    )
    print(report)
    # Unready while down, then ready again by itself, and for good.
    assert unready, report
    assert after_outage and set(after_outage) == {200}, report
    assert recovered_in is not None and recovered_in <= MAX_OUTAGE_SECONDS, report
    # uvicorn re-raises the SIGTERM it caught once it has shut down cleanly.
    assert code in (0, -signal.SIGTERM), report + server.log()
    # Down is answered with 503 (or from the caches); never with a server error.
    assert not [status for status in result.statuses if status >= 500 and status != 503], report
    assert result.by_phase.get("after", {}).get(307, 0) > 0, report
    assert stored == result.acknowledged > 0, report
