"""Bounded label work: previews, layouts, run sizes and the queue quota answer a problem
naming the limit, in Vietnamese and English, and record nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.actor import SYSTEM
from registry.print_runs.models import LabelRun
from registry.print_runs.service import RunLimits, create_run
from service.state import AppState
from tests.factories import lot_with_api_headers


@pytest.fixture
def app_state(app_state: AppState, tmp_path: Path) -> AppState:
    app_state.settings = app_state.settings.model_copy(
        update={
            "data_dir": tmp_path,
            "print_run_max_labels": 500,
            "print_queue_max_labels": 800,
        }
    )
    return app_state


def _runs(db_session: Session) -> int:
    return int(db_session.scalar(select(func.count()).select_from(LabelRun)) or 0)


def _assert_problem(answer, status: int, *needles: str) -> None:  # type: ignore[no-untyped-def]
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["message_vi"] and problem["message_en"]
    for needle in needles:
        assert needle in problem["message_en"], problem


@pytest.mark.parametrize(
    ("params", "field", "needle"),
    [
        ({"size": "1000x1000", "format": "png", "dpi": 600}, "size", "15 to 200 mm"),
        ({"size": "5000x5000"}, "size", "15 to 200 mm"),
        ({"size": "0x0"}, "size", "15 to 200 mm"),
        ({"size": "200x200", "format": "png", "dpi": 600}, "dpi", "16,000,000 pixel"),
        ({"size": "50x30", "format": "png", "dpi": 2400}, "dpi", "72 to 600 dpi"),
        ({"size": "50x30", "format": "png", "dpi": 10}, "dpi", "72 to 600 dpi"),
    ],
)
def test_a_preview_beyond_the_limits_is_refused(
    client: TestClient, db_session: Session, params: dict[str, object], field: str, needle: str
) -> None:
    lot, headers = lot_with_api_headers(db_session)
    answer = client.get(
        "/api/v1/labels/preview", params={"lot_id": lot.id, **params}, headers=headers
    )
    _assert_problem(answer, 422, needle)
    assert answer.json()["errors"][0]["field"] == field


def test_the_largest_preview_allowed_still_renders(client: TestClient, db_session: Session) -> None:
    lot, headers = lot_with_api_headers(db_session)
    answer = client.get(
        "/api/v1/labels/preview",
        params={"lot_id": lot.id, "size": "200x200", "format": "png", "dpi": 500},
        headers=headers,
    )
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"


@pytest.mark.parametrize(
    ("layout", "needle"),
    [
        ("roll-0x0", "each side must be 15 to 200 mm"),
        ("a4-99x99", "each side must be 15 to 200 mm"),
        ("a4-1x1", "each side must be 15 to 200 mm"),
        ("a4-0x3", "is not valid"),
        ("roll-25x15", "too small"),
        ("roll-1000x1000", "each side must be 15 to 200 mm"),
        ("letter-2x5", "is not valid"),
    ],
)
def test_a_layout_that_cannot_print_is_refused_before_the_run_is_accepted(
    client: TestClient, db_session: Session, layout: str, needle: str
) -> None:
    lot, headers = lot_with_api_headers(db_session)
    before = _runs(db_session)
    answer = client.post(
        "/api/v1/label-runs", headers=headers, json={"lot_id": lot.id, "count": 5, "layout": layout}
    )
    _assert_problem(answer, 422, needle)
    assert answer.json()["errors"][0]["field"] == "layout"
    assert _runs(db_session) == before


def test_a_run_above_the_per_run_maximum_is_refused(
    client: TestClient, db_session: Session
) -> None:
    lot, headers = lot_with_api_headers(db_session)
    before = _runs(db_session)
    answer = client.post(
        "/api/v1/label-runs", headers=headers, json={"lot_id": lot.id, "count": 501}
    )
    _assert_problem(answer, 422, "1 to 500")
    assert _runs(db_session) == before


def test_an_enterprise_cannot_queue_more_than_its_quota(
    client: TestClient, db_session: Session
) -> None:
    lot, headers = lot_with_api_headers(db_session)
    other_lot, other_headers = lot_with_api_headers(db_session)
    unbounded = RunLimits(max_labels=10_000, max_queued_labels=10_000)
    # Recorded but not rendered: nothing has started them.
    for count in (400, 300):
        create_run(
            db_session, actor=SYSTEM, lot=lot, count=count, serialized=True,
            layout="a4-3x7", limits=unbounded,
        )  # fmt: skip
    db_session.flush()
    before = _runs(db_session)
    answer = client.post(
        "/api/v1/label-runs", headers=headers, json={"lot_id": lot.id, "count": 101}
    )
    _assert_problem(answer, 429, "700 labels waiting", "at most 800")
    assert _runs(db_session) == before
    # Another enterprise's queue is its own.
    other = client.post(
        "/api/v1/label-runs", headers=other_headers, json={"lot_id": other_lot.id, "count": 101}
    )
    assert other.status_code == 202, other.text
