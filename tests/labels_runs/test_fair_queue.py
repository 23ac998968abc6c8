"""The print queue takes turns between enterprises: a small run of one never waits behind
a large run of another, and both PDFs come out whole."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from registry.actor import SYSTEM
from registry.db import unit_of_work
from registry.print_runs.models import LabelRun, RunStatus
from registry.print_runs.service import create_run
from registry.settings import Settings
from service.state import AppState
from tests.databases import Databases, backend_of
from tests.factories import (
    api_headers,
    lot_with_api_headers,
    make_enterprise,
    make_lot,
    make_product,
)

SLICE = 21  # one a4-3x7 page


@pytest.fixture
def app_state(app_state: AppState, tmp_path: Path) -> AppState:
    app_state.settings = app_state.settings.model_copy(
        update={"data_dir": tmp_path, "print_slice_labels": SLICE}
    )
    return app_state


def _post_run(client: TestClient, db_session: Session, count: int) -> tuple[int, dict[str, str]]:
    lot, headers = lot_with_api_headers(db_session)
    answer = client.post(
        "/api/v1/label-runs",
        headers=headers,
        json={"lot_id": lot.id, "count": count, "layout": "a4-3x7", "serialized": True},
    )
    assert answer.status_code == 202, answer.text
    return answer.json()["id"], headers


def _run(db_session: Session, run_id: int) -> LabelRun:
    db_session.expire_all()
    return db_session.get_one(LabelRun, run_id)


def test_a_small_run_finishes_long_before_another_enterprises_large_one(
    app: FastAPI, client: TestClient, db_session: Session
) -> None:
    jobs = app.state.truyxuat.print_jobs
    large, large_headers = _post_run(client, db_session, 10 * SLICE)
    second_large, _ = _post_run(client, db_session, 5 * SLICE)
    small, small_headers = _post_run(client, db_session, 10)
    assert jobs.queued() == [large, second_large, small]

    jobs.wait(small)
    assert _run(db_session, small).status is RunStatus.done
    a, b = _run(db_session, large), _run(db_session, second_large)
    # One slice each for the two large runs came first, then the small run's only slice.
    assert (a.status, a.progress) == (RunStatus.rendering, SLICE)
    assert (b.status, b.progress) == (RunStatus.rendering, SLICE)

    jobs.wait(large)
    a, b = _run(db_session, large), _run(db_session, second_large)
    assert a.status is RunStatus.done and b.status is RunStatus.done
    assert a.finished_at is not None and b.finished_at is not None
    assert b.finished_at <= a.finished_at  # the shorter run, in turns, finished first
    assert jobs.queued() == []

    small_pdf = client.get(f"/api/v1/label-runs/{small}/output.pdf", headers=small_headers)
    large_pdf = client.get(f"/api/v1/label-runs/{large}/output.pdf", headers=large_headers)
    assert len(pypdfium2.PdfDocument(small_pdf.content)) == 1
    assert len(pypdfium2.PdfDocument(large_pdf.content)) == 10


def test_a_voided_run_leaves_the_queue_with_no_file(
    app: FastAPI, client: TestClient, db_session: Session, tmp_path: Path
) -> None:
    jobs = app.state.truyxuat.print_jobs
    large, headers = _post_run(client, db_session, 4 * SLICE)
    small, _ = _post_run(client, db_session, 5)
    never, never_headers = _post_run(client, db_session, 3 * SLICE)

    def void(run_id: int, its_headers: dict[str, str]) -> None:
        answer = client.post(
            f"/api/v1/label-runs/{run_id}/void", headers=its_headers, json={"reason": "In nhầm"}
        )
        assert answer.status_code == 200, answer.text

    void(never, never_headers)  # before any of it is drawn
    jobs.wait(small)  # by now the large run has drawn its first slice
    assert _run(db_session, large).progress == SLICE
    void(large, headers)
    jobs.wait(large)
    jobs.wait(never)
    assert jobs.queued() == []
    for run_id, drawn in ((large, SLICE), (never, 0)):
        run = _run(db_session, run_id)
        assert run.status is RunStatus.failed and run.progress == drawn
        assert run.error and "voided before it was printed" in run.error
        assert run.output_path is None
    assert [p.name for p in (tmp_path / "label-runs").iterdir()] == [f"run-{small}.pdf"]


def test_one_enterprises_runs_print_in_the_order_they_were_recorded(
    app: FastAPI, client: TestClient, db_session: Session
) -> None:
    enterprise = make_enterprise(db_session)
    headers = api_headers(db_session, enterprise=enterprise)
    ids = []
    for count in (3 * SLICE, 5):
        lot = make_lot(db_session, product=make_product(db_session, enterprise=enterprise))
        answer = client.post(
            "/api/v1/label-runs", headers=headers, json={"lot_id": lot.id, "count": count}
        )
        ids.append(answer.json()["id"])
    jobs = app.state.truyxuat.print_jobs
    jobs.wait(ids[1])
    first, second = (_run(db_session, run_id) for run_id in ids)
    assert first.status is second.status is RunStatus.done
    assert first.finished_at is not None and second.finished_at is not None
    assert first.finished_at <= second.finished_at


def test_the_background_worker_takes_turns_too(
    database_url: str, databases: Databases, settings: Settings, tmp_path: Path
) -> None:
    """The real worker thread on its own database (a copy of the process's migrated
    template): runs committed, rendered in the background."""
    with databases.new(backend_of(database_url)) as url:
        _take_turns_in_the_background(url, settings, tmp_path)


def _take_turns_in_the_background(database_url: str, settings: Settings, tmp_path: Path) -> None:
    state = AppState.from_settings(
        settings.model_copy(
            update={
                "database_url": database_url,
                "data_dir": tmp_path,
                "print_slice_labels": SLICE,
            }
        )
    )
    try:
        with unit_of_work(state.write_sessions) as session:
            lots = [
                make_lot(
                    session, product=make_product(session, enterprise=make_enterprise(session))
                )
                for _ in range(2)
            ]
            runs = [
                create_run(session, actor=SYSTEM, lot=lot, count=count, serialized=True,
                           layout="a4-3x7")
                for lot, count in zip(lots, (12 * SLICE, 10), strict=True)
            ]  # fmt: skip
            large, small = (run.id for run in runs)
        jobs = state.print_jobs
        jobs.start(large)
        jobs.start(small)
        jobs.wait(small, timeout=120)
        with unit_of_work(state.read_sessions) as session:
            done_small = session.get_one(LabelRun, small)
            still_large = session.get_one(LabelRun, large)
            assert done_small.status is RunStatus.done
            assert still_large.status is RunStatus.rendering
            assert still_large.progress < still_large.count
        jobs.wait(large, timeout=300)
        with unit_of_work(state.read_sessions) as session:
            finished = session.get_one(LabelRun, large)
            assert finished.status is RunStatus.done and finished.output_path
            assert len(pypdfium2.PdfDocument(Path(finished.output_path).read_bytes())) == 12
    finally:
        state.print_jobs.shutdown()
        state.engine.dispose()
