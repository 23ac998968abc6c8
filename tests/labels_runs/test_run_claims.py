"""`truyxuat serve --workers N`: every process resumes unfinished print runs at start, and
exactly one of them renders each run. A process that died gives its runs up: at once on
its own host, after CLAIM_STALE_AFTER elsewhere."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from registry.actor import SYSTEM
from registry.db import unit_of_work, utcnow
from registry.print_runs.claims import CLAIM_STALE_AFTER
from registry.print_runs.models import LabelRun, RunStatus
from registry.print_runs.service import create_run
from registry.settings import Settings
from service.print_jobs import PrintJobs, _Rendering
from service.state import AppState
from tests.databases import Databases, backend_of
from tests.factories import make_enterprise, make_lot, make_product


class CountingJobs(PrintJobs):
    """The real print queue, counting the renders it begins."""

    begun: list[int]

    def _begin(self, run_id: int) -> _Rendering | None:
        rendering = super()._begin(run_id)
        if rendering is not None:
            self.begun.append(run_id)
        return rendering


def _server_process(settings: Settings, database_url: str, data_dir: Path) -> AppState:
    state = AppState.from_settings(
        settings.model_copy(update={"database_url": database_url, "data_dir": data_dir})
    )
    state._print_jobs = CountingJobs(
        state.write_sessions,
        base_url=state.settings.public_base_url,
        data_dir=data_dir,
        read_sessions=state.read_sessions,
        slice_labels=3,
    )
    state._print_jobs.begun = []
    return state


@pytest.fixture
def database(database_url: str, databases: Databases) -> Iterator[str]:
    """A migrated database of the test's own (a copy of the process's template): a server
    resumes every unfinished run it finds, so no test may see another's."""
    with databases.new(backend_of(database_url)) as url:
        yield url


@pytest.fixture
def servers(database: str, settings: Settings, tmp_path: Path) -> Iterator[list[AppState]]:
    states = [_server_process(settings, database, tmp_path / f"worker-{n}") for n in range(2)]
    yield states
    for state in states:
        state.print_jobs.shutdown()
        state.engine.dispose()


def _queued_runs(state: AppState, count: int) -> list[int]:
    with unit_of_work(state.write_sessions) as session:
        runs = []
        for _ in range(count):
            product = make_product(session, enterprise=make_enterprise(session))
            lot = make_lot(session, product=product)
            runs.append(
                create_run(session, actor=SYSTEM, lot=lot, count=7, serialized=True,
                           layout="a4-3x7")
            )  # fmt: skip
        return [run.id for run in runs]


def _runs(state: AppState, run_ids: list[int]) -> list[LabelRun]:
    with unit_of_work(state.read_sessions) as session:
        found = [session.get_one(LabelRun, run_id) for run_id in run_ids]
        session.expunge_all()
        return found


def _begun(state: AppState) -> list[int]:
    jobs = state.print_jobs
    assert isinstance(jobs, CountingJobs)
    return jobs.begun


def test_two_server_processes_starting_together_render_each_run_once(
    servers: list[AppState],
) -> None:
    run_ids = _queued_runs(servers[0], 6)
    barrier = threading.Barrier(len(servers))
    resumed: dict[int, list[int]] = {}

    def start(n: int) -> None:
        barrier.wait()
        resumed[n] = servers[n].print_jobs.resume_unfinished()

    threads = [threading.Thread(target=start, args=(n,)) for n in range(len(servers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for state in servers:
        for run_id in run_ids:
            assert state.print_jobs.wait(run_id, timeout=120) is None

    assert resumed == {0: run_ids, 1: run_ids}  # both saw every run waiting
    rendered = sorted(_begun(servers[0]) + _begun(servers[1]))
    assert rendered == run_ids
    files = [path.name for state in servers for path in state.settings.data_dir.glob("*/*")]
    assert sorted(files) == sorted(f"run-{run_id}.pdf" for run_id in run_ids)
    assert {run.status for run in _runs(servers[0], run_ids)} == {RunStatus.done}


def _claim(state: AppState, run_id: int, *, by: str, at: dt.datetime) -> None:
    with unit_of_work(state.write_sessions) as session:
        session.execute(
            update(LabelRun)
            .where(LabelRun.id == run_id)
            .values(status=RunStatus.rendering, claimed_by=by, claimed_at=at)
        )


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_run_another_live_process_renders_is_left_to_it(servers: list[AppState]) -> None:
    (run_id,) = _queued_runs(servers[0], 1)
    _claim(servers[0], run_id, by="other-host:4242:abc", at=utcnow())
    servers[1].print_jobs.start(run_id)
    servers[1].print_jobs.wait(run_id, timeout=60)
    (run,) = _runs(servers[1], [run_id])
    assert _begun(servers[1]) == []
    assert run.status is RunStatus.rendering and run.claimed_by == "other-host:4242:abc"
    assert not list(servers[1].settings.data_dir.glob("*/*"))


@pytest.mark.parametrize(
    "holder",
    ["stale on another host", "a process of this host that has died"],
)
def test_a_run_whose_holder_is_gone_is_taken_over(servers: list[AppState], holder: str) -> None:
    (run_id,) = _queued_runs(servers[0], 1)
    if holder == "stale on another host":
        _claim(servers[0], run_id, by="other-host:4242:abc",
               at=utcnow() - CLAIM_STALE_AFTER - dt.timedelta(seconds=1))  # fmt: skip
    else:
        _claim(servers[0], run_id, by=f"{socket.gethostname()}:{_dead_pid()}:abc", at=utcnow())
    assert servers[1].print_jobs.resume_unfinished() == [run_id]
    assert servers[1].print_jobs.wait(run_id, timeout=60) is None
    (run,) = _runs(servers[1], [run_id])
    assert _begun(servers[1]) == [run_id]
    assert run.status is RunStatus.done
    assert run.claimed_by is not None and run.claimed_by.startswith(socket.gethostname())
