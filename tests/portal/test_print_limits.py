"""The portal print form keeps the API bounds: a page saying which, nothing recorded."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.actor import SYSTEM
from registry.print_runs.models import LabelRun
from registry.print_runs.service import RunLimits, create_run
from service.state import AppState
from tests.factories import make_lot, make_product
from tests.portal.conftest import Browser, Member


@pytest.fixture
def app_state(app_state: AppState) -> AppState:
    app_state.settings = app_state.settings.model_copy(
        update={"print_run_max_labels": 50, "print_queue_max_labels": 60}
    )
    return app_state


def _runs(db_session: Session) -> int:
    return int(db_session.scalar(select(func.count()).select_from(LabelRun)) or 0)


def test_too_many_labels_or_a_full_queue_is_explained_on_the_page(
    db_session: Session, browser: Browser, member: Member
) -> None:
    lot = make_lot(db_session, product=make_product(db_session, enterprise=member.enterprise))
    db_session.flush()
    form = {"lot_id": str(lot.id), "layout": "a4-3x7", "serialized": "on"}
    before = _runs(db_session)
    too_many = browser.post("/portal/labels?lang=en", {**form, "count": "51"})
    assert too_many.status_code == 400
    assert "The label count of a print run must be 1 to 50." in too_many.text
    assert _runs(db_session) == before

    create_run(
        db_session, actor=SYSTEM, lot=lot, count=40, serialized=True, layout="a4-3x7",
        limits=RunLimits(max_labels=100, max_queued_labels=100),
    )  # fmt: skip
    db_session.flush()
    before = _runs(db_session)
    full = browser.post("/portal/labels", {**form, "count": "21"})
    assert full.status_code == 400
    assert "has 40 labels waiting to print; at most 60 may wait" in full.text
    assert _runs(db_session) == before
