"""Voiding a misprinted print run from the portal, with confirmation (HTTP, both databases)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.audit.models import AuditEntry
from registry.lots.models import Lot
from registry.print_runs.models import LabelRun, RunStatus
from tests.factories import make_enterprise, make_lot, make_product
from tests.portal.conftest import Browser, Member


def _done_run(db_session: Session, lot: Lot) -> LabelRun:
    run = LabelRun(
        enterprise_id=lot.product.enterprise_id, lot_id=lot.id, created_by="t", count=21,
        serialized=True, mac_key=b"k" * 32, layout="a4-3x7", status=RunStatus.done, progress=21,
    )  # fmt: skip
    db_session.add(run)
    db_session.flush()
    return run


def test_void_a_misprinted_run_after_confirming(
    db_session: Session, browser: Browser, member: Member
) -> None:
    lot = make_lot(db_session, product=make_product(db_session, enterprise=member.enterprise))
    run = _done_run(db_session, lot)
    page = browser.client.get(f"/portal/labels/runs/{run.id}").text
    assert "A4, 21 tem (3 × 7)" in page and "a4-3x7" not in page.split("<main", 1)[-1]
    assert f'action="/portal/labels/runs/{run.id}/void#void"' in page

    unconfirmed = browser.post(f"/portal/labels/runs/{run.id}/void", {"reason": "In lệch"})
    assert unconfirmed.status_code == 400
    assert "Đánh dấu ô xác nhận để huỷ đợt in." in unconfirmed.text
    assert "In lệch" in unconfirmed.text
    db_session.refresh(run)
    assert run.voided_at is None

    voided = browser.post(
        f"/portal/labels/runs/{run.id}/void", {"reason": "In lệch", "confirm": "yes"}
    )
    assert voided.status_code == 303
    db_session.refresh(run)
    assert run.voided_at is not None and run.void_reason == "In lệch"
    after = browser.client.get(f"/portal/labels/runs/{run.id}").text
    assert "Đợt in này đã bị huỷ" in after and "/download" not in after
    audit = browser.client.get("/portal/team/audit").text
    assert f"<td>Huỷ</td><td>Đợt in tem #{run.id}</td>" in audit and "label_run" not in audit


def test_another_enterprises_run_cannot_be_voided(
    db_session: Session, browser: Browser, member: Member
) -> None:
    other = make_enterprise(db_session)
    run = _done_run(
        db_session, make_lot(db_session, product=make_product(db_session, enterprise=other))
    )
    before = db_session.scalar(select(func.count()).select_from(AuditEntry))
    response = browser.post(f"/portal/labels/runs/{run.id}/void", {"confirm": "yes"})
    assert response.status_code == 404
    db_session.refresh(run)
    assert run.voided_at is None
    assert db_session.scalar(select(func.count()).select_from(AuditEntry)) == before
