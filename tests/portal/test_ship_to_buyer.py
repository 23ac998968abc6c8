"""Shipping to a buyer without a GLN: a trader or a market stall by name (HTTP, both databases)."""

from __future__ import annotations

import pytest
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


def _receive(browser: Browser, lot_id: int, location_id: int, **seller: str):  # type: ignore[no-untyped-def]
    form = {"event_time": "2026-05-04T05:45", "location_id": str(location_id), "quantity": "1.200",
            "unit": "KGM", **seller}  # fmt: skip
    return browser.post(f"/portal/lots/{lot_id}/steps/receive", form)


def test_receive_from_a_farmer_by_name(
    db_session: Session, browser: Browser, member: Member
) -> None:
    lot = make_lot(db_session, product=make_product(db_session, enterprise=member.enterprise))
    packhouse = make_location(db_session, enterprise=member.enterprise)
    db_session.flush()
    form = browser.client.get(f"/portal/lots/{lot.id}?step=receive").text
    assert 'name="seller_name"' in form and 'name="other_gln"' in form
    assert 'name="other_gln" type="text" value="" required' not in form
    response = _receive(
        browser, lot.id, packhouse.id, seller_name="Ông Năm Rở", seller_phone="0918 222 333",
    )  # fmt: skip
    assert response.status_code == 303, response.text
    document = first_event(db_session, member.enterprise.id).document
    assert document["bizStep"] == "receiving"
    [source] = document["sourceList"]
    assert source["type"] == "owning_party" and source["source"].startswith("urn:uuid:")
    assert document["tx:seller"] == {"tx:name": "Ông Năm Rở", "tx:phone": "0918 222 333"}
    assert document["quantityList"][0]["quantity"] == 1200
    page = browser.client.get(f"/portal/lots/{lot.id}").text
    assert "Nhận từ Ông Năm Rở" in page


@pytest.mark.parametrize(
    ("seller", "field", "message"),
    [
        ({}, "seller_name", "Nhập tên người bán"),
        ({"seller_name": "Chị Sáu", "seller_phone": "không có"}, "seller_phone", "chỉ gồm chữ số"),
        ({"seller_name": "X" * 201}, "seller_name", "tối đa 200"),
        ({"other_gln": "8930000000010"}, "other_gln", "Mã GLN không đúng"),
    ],
)
def test_a_receipt_without_a_sender_or_with_bad_details_changes_nothing(
    db_session: Session,
    browser: Browser,
    member: Member,
    seller: dict[str, str],
    field: str,
    message: str,
) -> None:
    lot = make_lot(db_session, product=make_product(db_session, enterprise=member.enterprise))
    packhouse = make_location(db_session, enterprise=member.enterprise)
    db_session.flush()
    response = _receive(browser, lot.id, packhouse.id, **seller)
    assert response.status_code == 400
    assert f'id="f-{field}-error"' in response.text
    error = response.text.split(f'id="f-{field}-error">', 1)[1].split("<", 1)[0]
    assert message in error
    assert "AI (" not in error and "phải là" not in error
    assert event_count(db_session, member.enterprise.id) == 0
