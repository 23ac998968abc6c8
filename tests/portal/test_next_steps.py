"""The home page's "Các bước tiếp theo" checklist ticks each step once it is done."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from registry.actor import SYSTEM
from registry.print_runs.models import LabelRun, RunStatus
from registry.print_runs.service import void_run
from tests.factories import (
    make_enterprise,
    make_location,
    make_lot,
    make_prefix,
    make_product,
    make_user,
)
from tests.portal.conftest import Browser
from tests.portal.harvests import post_harvest

STEPS = [
    "Được Chi cục cấp tiền tố mã doanh nghiệp",
    "Thêm vườn, cơ sở đóng gói, cửa hàng",
    "Thêm sản phẩm",
    "Tạo lô hàng",
    "Ghi nhận thu hoạch, xuất hàng cho lô",
    "In tem truy xuất",
]


def _ticked(browser: Browser) -> list[str]:
    page = browser.client.get("/portal").text
    checklist = page[page.index('<ol class="checklist">') :]
    checklist = checklist[: checklist.index("</ol>")]
    done = re.findall(r'<li class="done"><span aria-hidden="true">✓</span> ([^<]+?) <', checklist)
    assert f"Đã xong {len(done)}/{len(STEPS)} bước" in page
    return done


def test_each_step_is_ticked_when_it_is_done(db_session: Session, browser: Browser) -> None:
    enterprise = make_enterprise(db_session, prefix=False)
    user = make_user(db_session, enterprise=enterprise)
    db_session.flush()
    browser.sign_in(user.email)
    assert _ticked(browser) == []

    make_prefix(db_session, enterprise=enterprise)
    db_session.flush()
    assert _ticked(browser) == STEPS[:1]

    farm = make_location(db_session, enterprise=enterprise)
    product = make_product(db_session, enterprise=enterprise)
    db_session.flush()
    assert _ticked(browser) == STEPS[:3]

    lot = make_lot(db_session, product=product)
    db_session.flush()
    assert _ticked(browser) == STEPS[:4]

    assert post_harvest(browser, lot.id, farm.id, "100", "KGM").status_code == 303
    assert _ticked(browser) == STEPS[:5]

    run = LabelRun(
        enterprise_id=enterprise.id, lot_id=lot.id, created_by="t", count=1, serialized=True,
        mac_key=b"k" * 32, layout="roll-50x30", status=RunStatus.done, progress=1,
    )  # fmt: skip
    db_session.add(run)
    db_session.flush()
    assert _ticked(browser) == STEPS

    # A voided run was a misprint: the labels step is to do again.
    void_run(db_session, actor=SYSTEM, run=run, reason="In lệch")
    db_session.flush()
    assert _ticked(browser) == STEPS[:5]


def test_another_enterprises_work_ticks_nothing(db_session: Session, browser: Browser) -> None:
    other = make_enterprise(db_session)
    make_lot(db_session, product=make_product(db_session, enterprise=other))
    make_location(db_session, enterprise=other)
    enterprise = make_enterprise(db_session, prefix=False)
    user = make_user(db_session, enterprise=enterprise)
    db_session.flush()
    browser.sign_in(user.email)
    assert _ticked(browser) == []
