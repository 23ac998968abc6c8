"""The portal's export label choice: preview, a run recorded with the export template, and a
lot that may not carry an export label sent back to the form with the message by the choice."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from labels import fonts
from registry.actor import SYSTEM
from registry.lots.service import create_lot
from registry.print_runs.models import LabelRun, RunTemplate
from tests.factories import make_export_lot
from tests.portal.conftest import Browser, Member

pytestmark = pytest.mark.skipif(
    not fonts.CJK_FONT[0].is_file(), reason="fonts-wqy-microhei is not installed"
)


def test_export_label_preview_run_and_refusal(
    db_session: Session, browser: Browser, member: Member, app: FastAPI
) -> None:
    lot = make_export_lot(db_session, enterprise=member.enterprise)
    domestic = create_lot(db_session, actor=SYSTEM, product=lot.product, code="NOIDIA2")
    db_session.flush()
    form = {"lot_id": str(lot.id), "template": "export", "layout": "roll-100x70", "count": "2"}
    lot_page = browser.client.get(f"/portal/lots/{lot.id}").text
    assert f"/portal/labels?lot_id={lot.id}&amp;template=export" in lot_page
    page = browser.client.get("/portal/labels", params={**form, "preview": "1"}).text
    assert "&amp;template=export" in page and "error-summary" not in page
    svg = browser.client.get(
        "/portal/labels/preview.svg",
        params={"lot_id": lot.id, "layout": "roll-100x70", "template": "export"},
    ).text
    assert "输往中华人民共和国" in svg and 'lang="zh-Hans"' in svg

    before = db_session.scalar(select(func.count()).select_from(LabelRun))
    for changes, message in (
        ({"lot_id": str(domestic.id)}, "không có thị trường xuất khẩu"),
        ({"layout": "roll-50x30"}, "70x50"),
        ({"template": "poster"}, "Chọn mẫu tem"),
    ):
        refused = browser.post("/portal/labels", {**form, **changes})
        assert refused.status_code == 400, changes
        assert message in refused.text
        assert 'class="field invalid"' in refused.text
    assert db_session.scalar(select(func.count()).select_from(LabelRun)) == before

    started = browser.post("/portal/labels", form)
    assert started.status_code == 303, started.text
    run_id = int(started.headers["location"].rsplit("/", 1)[-1])
    assert db_session.get_one(LabelRun, run_id).template is RunTemplate.export
    assert app.state.truyxuat.print_jobs.wait(run_id, timeout=60) is None
    assert "Tem xuất khẩu (CN)" in browser.client.get(started.headers["location"]).text
