"""The register import refuses files of millions of rows at once and keeps the register."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.population.models import PopulationEntry
from tests import hostile_tables
from tests.agency.conftest import csrf_of

HTML = {"Accept": "text/html"}


def _entries(db_session: Session) -> int:
    return int(db_session.scalar(select(func.count()).select_from(PopulationEntry)) or 0)


@pytest.mark.parametrize(
    "make",
    [
        hostile_tables.many_identical_rows,
        hostile_tables.declared_rows,
        hostile_tables.skipped_rows,
        partial(hostile_tables.many_identical_rows, path="xl/data/s.xml"),
    ],
    ids=["identical", "declared", "skipped", "moved-sheet"],
)
def test_a_register_of_millions_of_rows_is_refused_at_once(
    db_session: Session, staff: TestClient, make: Callable[..., bytes]
) -> None:
    data = make("MST", "Tên doanh nghiệp")
    before = _entries(db_session)
    token = csrf_of(staff.get("/agency/population", headers=HTML).text)
    started = time.perf_counter()
    response = staff.post(
        "/agency/population?lang=en",
        headers=HTML,
        data={"csrf_token": token},
        files={"file": ("register.xlsx", data)},
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 422
    assert "At most 200,000 rows per import" in response.text
    assert _entries(db_session) == before
    assert elapsed < 5, f"refusing took {elapsed:.1f} s"


def test_a_csv_register_is_capped_by_rows(db_session: Session, staff: TestClient) -> None:
    before = _entries(db_session)
    data = b"MST,Ten\n" + b"0100109106,X\n" * 200_001
    token = csrf_of(staff.get("/agency/population", headers=HTML).text)
    response = staff.post(
        "/agency/population?lang=en",
        headers=HTML,
        data={"csrf_token": token},
        files={"file": ("register.csv", data)},
    )
    assert response.status_code == 422
    assert "At most 200,000 rows per import" in response.text
    assert _entries(db_session) == before
