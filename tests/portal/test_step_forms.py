"""Step forms speak plainly: units from the list, the lot's place and quantity pre-filled,
the hour kept, and errors in words at the top of the form (through HTTP, both databases)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from registry.actor import SYSTEM
from registry.lots.service import create_lot
from tests.factories import make_location, make_product
from tests.portal.conftest import Browser, Member
from tests.portal.harvests import event_count, first_event, post_harvest

RAW_SYSTEM_TEXT = ("^[A-Z0-9]", "schema", "does not match", "quantityList", "AI (10)", "CSET")


def _lot(db_session: Session, member: Member):  # type: ignore[no-untyped-def]
    product = make_product(db_session, enterprise=member.enterprise)
    farm = make_location(db_session, enterprise=member.enterprise)
    lot = create_lot(
        db_session, actor=SYSTEM, product=product, code="XOAI-01", quantity=Decimal("1200.5"),
        unit="KGM", origin_location=farm,
    )  # fmt: skip
    db_session.flush()
    return lot, farm


def test_a_step_form_starts_from_the_lot(
    db_session: Session, browser: Browser, member: Member
) -> None:
    lot, farm = _lot(db_session, member)
    page = browser.client.get(f"/portal/lots/{lot.id}?step=harvest").text
    assert f'<option value="{farm.id}" selected>' in page
    assert 'name="quantity" type="text" value="1.200,5"' in page
    assert '<option value="KGM" selected>kg</option>' in page
    assert '<option value="TNE">tấn</option>' in page
    assert "UN/ECE" not in page and "1.200,5 kg" in page and "KGM</dd>" not in page


def test_a_harvest_at_half_past_seven_comes_back_at_half_past_seven(
    db_session: Session, browser: Browser, member: Member
) -> None:
    lot, farm = _lot(db_session, member)
    response = post_harvest(browser, lot.id, farm.id, "1.200", "TNE")
    assert response.status_code == 303, response.text
    event = first_event(db_session, member.enterprise.id)
    assert event.event_time.astimezone(dt.UTC) == dt.datetime(2026, 5, 2, 0, 30, tzinfo=dt.UTC)
    page = browser.client.get(f"/portal/lots/{lot.id}").text
    assert "02/05/2026 07:30" in page
    assert "Sản lượng 1.200 tấn" in page and "TNE" not in page


def test_a_typed_unit_is_refused_in_words_at_the_top_of_the_form(
    db_session: Session, browser: Browser, member: Member
) -> None:
    lot, farm = _lot(db_session, member)
    response = post_harvest(browser, lot.id, farm.id, "5", "tấn")
    assert response.status_code == 400
    page = response.text
    assert "Chọn đơn vị trong danh sách" in page and 'id="f-unit-error"' in page
    assert not [raw for raw in RAW_SYSTEM_TEXT if raw in page]
    # The browser lands on the form (the action's fragment) with the summary focused.
    assert f'action="/portal/lots/{lot.id}/steps/harvest#step-form"' in page
    assert page.index('id="error-summary"') < page.index('id="f-event_time"')
    assert 'id="error-summary" tabindex="-1" autofocus' in page
    assert 'value="2026-05-02T07:30"' in page
    assert event_count(db_session, member.enterprise.id) == 0


def test_a_lot_code_error_speaks_plainly(
    db_session: Session, browser: Browser, member: Member
) -> None:
    product = make_product(db_session, enterprise=member.enterprise)
    db_session.flush()
    response = browser.post(
        "/portal/lots/new", {"product_id": str(product.id), "code": "Lô số 1 của tôi năm nay"}
    )
    assert response.status_code == 400
    assert "Mã lô chỉ dùng chữ không dấu" in response.text
    assert not [raw for raw in RAW_SYSTEM_TEXT if raw in response.text]
