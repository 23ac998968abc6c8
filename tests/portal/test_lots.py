"""Locations, lots and their steps as EPCIS events, and the lot's journey."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.events.models import EpcisEvent
from registry.locations.models import Location
from registry.lots.models import Lot
from tests.factories import WARD_CAI_BE, make_enterprise, make_location, make_lot, make_product
from tests.portal.conftest import Browser, Member


def test_add_a_location_with_an_allocated_gln_and_coordinates(
    db_session: Session, browser: Browser, member: Member
) -> None:
    response = browser.post(
        "/portal/locations/new",
        {
            "name": "Vườn xoài ông Ba",
            "kind": "farm",
            "ward_code": WARD_CAI_BE,
            "latitude": "10,3456",
            "longitude": "106.0321",
        },
    )
    assert response.status_code == 303, response.text
    location = db_session.scalar(
        select(Location).where(Location.enterprise_id == member.enterprise.id)
    )
    assert location is not None
    assert (location.latitude, location.longitude) == (10.3456, 106.0321)
    assert len(location.gln) == 13
    listing = browser.client.get("/portal/locations").text
    assert location.gln in listing
    assert "https://www.openstreetmap.org/?mlat=10.3456" in listing


def test_half_a_coordinate_is_explained(browser: Browser, member: Member) -> None:
    response = browser.post(
        "/portal/locations/new", {"name": "Kho", "kind": "warehouse", "latitude": "10.1"}
    )
    assert response.status_code == 400
    assert 'id="f-latitude-error"' in response.text
    assert "Cần nhập cả vĩ độ và kinh độ." in response.text


def test_a_lot_code_with_vietnamese_letters_gets_an_ascii_suggestion(
    db_session: Session, browser: Browser, member: Member
) -> None:
    product = make_product(db_session, enterprise=member.enterprise)
    db_session.flush()
    response = browser.post(
        "/portal/lots/new", {"product_id": str(product.id), "code": "Lô Hòa Lộc 1"}
    )
    assert response.status_code == 400
    assert 'id="f-code-error"' in response.text
    assert "Gợi ý: Lo-Hoa-Loc-1" in response.text
    assert db_session.scalar(select(Lot).where(Lot.product_id == product.id)) is None


def test_create_a_lot_then_record_harvest_and_shipment(
    db_session: Session, browser: Browser, member: Member
) -> None:
    product = make_product(db_session, enterprise=member.enterprise)
    farm = make_location(db_session, enterprise=member.enterprise)
    buyer = make_location(db_session, enterprise=make_enterprise(db_session))
    db_session.flush()
    response = browser.post(
        "/portal/lots/new",
        {
            "product_id": str(product.id),
            "code": "XOAI-2026-01",
            "production_on": "2026-05-02",
            "expiry_on": "2026-05-20",
            "quantity": "120",
            "unit": "KGM",
            "origin_location_id": str(farm.id),
        },
    )
    assert response.status_code == 303, response.text
    lot_url = response.headers["location"]
    harvest = browser.post(
        f"{lot_url}/steps/harvest",
        {"event_time": "2026-05-02T07:30", "location_id": str(farm.id), "quantity": "120",
         "unit": "KGM"},
    )  # fmt: skip
    assert harvest.status_code == 303, harvest.text
    ship = browser.post(
        f"{lot_url}/steps/ship",
        {"event_time": "2026-05-03T06:00", "location_id": str(farm.id), "quantity": "100",
         "unit": "KGM", "other_gln": buyer.gln},
    )  # fmt: skip
    assert ship.status_code == 303, ship.text
    events = list(
        db_session.scalars(
            select(EpcisEvent)
            .where(EpcisEvent.enterprise_id == member.enterprise.id)
            .order_by(EpcisEvent.event_time)
        )
    )
    assert [e.biz_step.rsplit("/", 1)[-1].rsplit("-", 1)[-1] for e in events if e.biz_step] == [
        "commissioning",
        "shipping",
    ]
    # The form's local time is Viet Nam's (UTC+7): 06:00 on 3 May is 23:00 UTC on 2 May.
    assert events[1].event_time.isoformat().startswith("2026-05-02T23:00")
    assert events[0].event_time.astimezone(dt.timezone(dt.timedelta(hours=7))).date() == dt.date(
        2026, 5, 2
    )
    page = browser.client.get(lot_url).text
    assert "Thu hoạch" in page and "Xuất hàng" in page
    assert f'href="/01/{product.gtin}/10/XOAI-2026-01"' in page


def test_a_step_at_another_enterprises_location_is_refused(
    db_session: Session, browser: Browser, member: Member
) -> None:
    lot = make_lot(db_session, product=make_product(db_session, enterprise=member.enterprise))
    theirs = make_location(db_session, enterprise=make_enterprise(db_session))
    db_session.flush()
    response = browser.post(
        f"/portal/lots/{lot.id}/steps/harvest",
        {"event_time": "2026-05-02T07:30", "location_id": str(theirs.id)},
    )
    assert response.status_code == 400
    assert "Không tìm thấy địa điểm." in response.text
    mine = select(EpcisEvent.id).where(EpcisEvent.enterprise_id == member.enterprise.id)
    assert list(db_session.scalars(mine)) == []


def test_a_bad_step_time_is_shown_next_to_the_field(
    db_session: Session, browser: Browser, member: Member
) -> None:
    lot = make_lot(db_session, product=make_product(db_session, enterprise=member.enterprise))
    farm = make_location(db_session, enterprise=member.enterprise)
    db_session.flush()
    response = browser.post(
        f"/portal/lots/{lot.id}/steps/inspect",
        {"event_time": "hôm qua", "location_id": str(farm.id), "result": "conformant"},
    )
    assert response.status_code == 400
    assert 'id="f-event_time-error"' in response.text


def test_another_enterprises_lot_and_location_answer_404(
    db_session: Session, browser: Browser, member: Member
) -> None:
    other = make_enterprise(db_session)
    lot = make_lot(db_session, product=make_product(db_session, enterprise=other))
    location = make_location(db_session, enterprise=other)
    db_session.flush()
    assert browser.client.get(f"/portal/lots/{lot.id}").status_code == 404
    assert browser.client.get(f"/portal/locations/{location.id}").status_code == 404
    assert browser.post(f"/portal/locations/{location.id}", {"name": "X"}).status_code == 404


def test_a_shipment_needs_its_destination(
    db_session: Session, browser: Browser, member: Member
) -> None:
    lot = make_lot(db_session, product=make_product(db_session, enterprise=member.enterprise))
    farm = make_location(db_session, enterprise=member.enterprise)
    db_session.flush()
    response = browser.post(
        f"/portal/lots/{lot.id}/steps/ship",
        {"event_time": "2026-05-03T06:00", "location_id": str(farm.id), "quantity": "5"},
    )
    assert response.status_code == 400
    # A buyer's name or a GLN: a farmer selling to a trader has no GLN to give.
    assert 'id="f-buyer_name-error"' in response.text
    assert "Nhập tên người mua (hoặc mã GLN nếu bên mua có)." in response.text
