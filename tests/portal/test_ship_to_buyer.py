"""Shipping to a buyer without a GLN: a trader or a market stall by name (HTTP, both databases)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.factories import make_location, make_lot, make_product
from tests.portal.conftest import Browser, Member
from tests.portal.harvests import event_count, first_event


def _ship(browser: Browser, lot_id: int, location_id: int, **buyer: str):  # type: ignore[no-untyped-def]
    form = {"event_time": "2026-05-03T06:00", "location_id": str(location_id), "quantity": "100",
            "unit": "KGM", **buyer}  # fmt: skip
    return browser.post(f"/portal/lots/{lot_id}/steps/ship", form)


def test_ship_to_a_trader_by_name(db_session: Session, browser: Browser, member: Member) -> None:
    lot = make_lot(db_session, product=make_product(db_session, enterprise=member.enterprise))
    farm = make_location(db_session, enterprise=member.enterprise)
    db_session.flush()
    form = browser.client.get(f"/portal/lots/{lot.id}?step=ship").text
    assert 'name="buyer_name"' in form and 'name="other_gln"' in form
    response = _ship(
        browser, lot.id, farm.id, buyer_name="Thương lái Tư Hùng", buyer_phone="0903 123 456",
        buyer_address="Chợ Cái Bè",
    )  # fmt: skip
    assert response.status_code == 303, response.text
    document = first_event(db_session, member.enterprise.id).document
    [destination] = document["destinationList"]
    assert destination["type"] == "owning_party"
    assert destination["destination"].startswith("urn:uuid:")
    assert document["tx:buyer"] == {
        "tx:name": "Thương lái Tư Hùng",
        "tx:phone": "0903 123 456",
        "tx:address": "Chợ Cái Bè",
    }
    page = browser.client.get(f"/portal/lots/{lot.id}").text
    assert "Gửi đến Thương lái Tư Hùng" in page


def test_a_bad_phone_is_explained_and_nothing_stored(
    db_session: Session, browser: Browser, member: Member
) -> None:
    lot = make_lot(db_session, product=make_product(db_session, enterprise=member.enterprise))
    farm = make_location(db_session, enterprise=member.enterprise)
    db_session.flush()
    bad_phone = _ship(browser, lot.id, farm.id, buyer_name="Chị Bảy", buyer_phone="gọi tôi")
    assert bad_phone.status_code == 400
    assert 'id="f-buyer_phone-error"' in bad_phone.text and 'value="Chị Bảy"' in bad_phone.text
    assert event_count(db_session, member.enterprise.id) == 0
