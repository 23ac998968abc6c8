"""Portal quantity fields read numbers the Vietnamese way (through HTTP, both databases)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.lots.models import Lot
from tests.factories import make_location, make_lot, make_product
from tests.portal.conftest import Browser, Member
from tests.portal.harvests import event_count, first_event, post_harvest


def _new_lot(browser: Browser, product_id: int, code: str, quantity: str):  # type: ignore[no-untyped-def]
    return browser.post(
        "/portal/lots/new",
        {"product_id": str(product_id), "code": code, "quantity": quantity, "unit": "KGM"},
    )


def test_lot_quantities_written_the_vietnamese_way(
    db_session: Session, browser: Browser, member: Member
) -> None:
    product = make_product(db_session, enterprise=member.enterprise)
    db_session.flush()
    for code, typed in (("A-1", "1.200"), ("A-2", "1.200,5"), ("A-3", "1200.5")):
        response = _new_lot(browser, product.id, code, typed)
        assert response.status_code == 303, response.text
    rows = db_session.execute(select(Lot.code, Lot.quantity).where(Lot.product_id == product.id))
    stored = {code: quantity for code, quantity in rows}
    assert stored == {"A-1": Decimal(1200), "A-2": Decimal("1200.5"), "A-3": Decimal("1200.5")}


def test_an_ambiguous_lot_quantity_is_explained_and_nothing_stored(
    db_session: Session, browser: Browser, member: Member
) -> None:
    product = make_product(db_session, enterprise=member.enterprise)
    db_session.flush()
    response = _new_lot(browser, product.id, "B-1", "1,200.5")
    assert response.status_code == 400
    assert 'id="f-quantity-error"' in response.text
    assert "Số lượng chưa rõ" in response.text and 'value="1,200.5"' in response.text
    assert db_session.scalar(select(func.count()).where(Lot.product_id == product.id)) == 0


def test_a_harvest_quantity_written_the_vietnamese_way(
    db_session: Session, browser: Browser, member: Member
) -> None:
    product = make_product(db_session, enterprise=member.enterprise)
    farm = make_location(db_session, enterprise=member.enterprise)
    lot = make_lot(db_session, product=product)
    db_session.flush()
    refused = post_harvest(browser, lot.id, farm.id, "1.20.0", "KGM")
    assert refused.status_code == 400 and "Số lượng chưa rõ" in refused.text
    assert event_count(db_session, member.enterprise.id) == 0
    harvest = post_harvest(browser, lot.id, farm.id, "1.200,5", "KGM")
    assert harvest.status_code == 303, harvest.text
    event = first_event(db_session, member.enterprise.id)
    quantities = [element["quantity"] for element in event.document.get("quantityList", [])]
    assert quantities == [1200.5]
