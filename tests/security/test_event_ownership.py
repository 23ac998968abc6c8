"""Each enterprise writes only its own story.

Enterprise A tried to write into B's public journey: an inspection with disposition
non_conformant and a recall on B's lot, naming B's GLN in destinationList (which used to
make B a "declared partner"), with a pending key, and with no bizLocation at all. Every
try is now a 403 problem and the database is unchanged. What B shipped to A, A may
receive, store and process; the step names A as its recorder; a verdict on B's goods
stays B's (or the agency's). B flags A's event to the agency, which closes it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.audit.models import AuditEntry
from registry.events.models import EpcisEvent, EventFlag
from registry.events.steps import CONTEXT, gln_uri, lot_uri
from registry.lots.models import Lot
from service import ratelimit
from tests.factories import (
    PASSWORD,
    api_headers,
    epcis_document,
    make_enterprise,
    make_location,
    make_lot,
    make_product,
    make_user,
)

BASE = "https://truyxuat.dongthap.gov.vn"
DAY = (dt.date.today() - dt.timedelta(days=2)).isoformat()
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _event(lot: Lot, *, minute: int, **fields: Any) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": f"{DAY}T09:{minute:02d}:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "quantityList": [{"epcClass": lot_uri(lot), "quantity": 5, "uom": "KGM"}],
        **fields,
    }


def _document(*events: dict[str, Any]) -> dict[str, Any]:
    return epcis_document(*events, day=DAY)


def _state(session: Session) -> tuple[int, int, int]:
    session.expire_all()
    return (
        int(session.scalar(select(func.count()).select_from(EpcisEvent)) or 0),
        int(session.scalar(select(func.count()).select_from(EventFlag)) or 0),
        int(session.scalar(select(func.max(AuditEntry.id))) or 0),
    )


def _signed_in(app: FastAPI, email: str) -> TestClient:
    browser = TestClient(app, base_url=BASE)
    ratelimit.reset()
    answer = browser.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return browser


def _assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["message_vi"] and body["message_en"]
    return body


def test_nobody_writes_into_another_enterprise_journey(
    app: FastAPI, client: TestClient, db_session: Session
) -> None:
    producer = make_enterprise(db_session, legal_name="HTX Xoài Cao Lãnh")
    intruder = make_enterprise(db_session, legal_name="Công ty Mạo Danh")
    pending = make_enterprise(db_session, verified=False)
    lot = make_lot(
        db_session, product=make_product(db_session, enterprise=producer), code="VSLR-2611-01"
    )
    their_place = make_location(db_session, enterprise=producer)
    my_place = make_location(db_session, enterprise=intruder)
    pending_place = make_location(db_session, enterprise=pending)
    keys = {
        "intruder": api_headers(db_session, enterprise=intruder),
        "pending": api_headers(db_session, enterprise=pending),
    }
    producer_key = api_headers(db_session, enterprise=producer)
    owner = make_user(db_session, enterprise=producer)
    db_session.flush()
    to_producer = {
        "destinationList": [{"type": "location", "destination": gln_uri(their_place.gln)}]
    }

    attacks = {
        "inspection non_conformant": _event(
            lot,
            minute=1,
            bizStep="inspecting",
            disposition="non_conformant",
            bizLocation={"id": gln_uri(my_place.gln)},
            **to_producer,
        ),
        "recalled": _event(
            lot,
            minute=2,
            bizStep="holding",
            disposition="recalled",
            bizLocation={"id": gln_uri(my_place.gln)},
            **to_producer,
        ),
        "recalled, no bizLocation": _event(lot, minute=3, disposition="recalled", **to_producer),
        "non_conformant, no place at all": _event(
            lot, minute=4, bizStep="inspecting", disposition="non_conformant", **to_producer
        ),
        "receiving what was never shipped": _event(
            lot,
            minute=5,
            bizStep="receiving",
            bizLocation={"id": gln_uri(my_place.gln)},
            sourceList=[{"type": "location", "source": gln_uri(their_place.gln)}],
        ),
    }
    before = _state(db_session)
    for name, event in attacks.items():
        for who, headers in keys.items():
            if who == "pending" and "bizLocation" in event:
                event = {**event, "bizLocation": {"id": gln_uri(pending_place.gln)}}
            body = _assert_problem(
                client.post("/epcis/capture", json=_document(event), headers=headers), 403
            )
            if who == "pending":  # refused by the status policy before anything is read
                assert body["reason"].endswith("/enterprise-status"), (name, body)
            else:
                assert any("quantityList[0]" in e["field"] for e in body["errors"]), (name, body)
            single = client.post(
                "/epcis/events", json={"@context": CONTEXT, **event}, headers=headers
            )
            _assert_problem(single, 403)
        # "proceed" stores the good events only: this one is reported on the job, not kept.
        proceed = client.post(
            "/epcis/capture",
            json=_document(event),
            headers={**keys["intruder"], "GS1-Capture-Error-Behaviour": "proceed"},
        )
        assert proceed.status_code == 202
        job = proceed.json()
        assert job["success"] is False and job["newEventCount"] == 0 and job["errors"]
    db_session.expire_all()
    assert _state(db_session)[:2] == before[:2]
    # The step API goes through the same check.
    step = client.post(
        f"/api/v1/lots/{lot.id}/inspect",
        json={"location_id": my_place.id, "passed": False},
        headers=keys["intruder"],
    )
    _assert_problem(step, 403)

    # What the producer ships to A, A may receive (and store, and process).
    shipped = _event(
        lot,
        minute=10,
        bizStep="shipping",
        bizLocation={"id": gln_uri(their_place.gln)},
        destinationList=[{"type": "location", "destination": gln_uri(my_place.gln)}],
    )
    assert (
        client.post("/epcis/capture", json=_document(shipped), headers=producer_key).status_code
        == 202
    )
    received = _event(
        lot,
        minute=20,
        bizStep="receiving",
        bizLocation={"id": gln_uri(my_place.gln)},
        sourceList=[{"type": "location", "source": gln_uri(their_place.gln)}],
    )
    answer = client.post(
        "/epcis/events", json={"@context": CONTEXT, **received}, headers=keys["intruder"]
    )
    assert answer.status_code == 201, answer.text
    stored = db_session.scalars(select(EpcisEvent).where(EpcisEvent.biz_step == "receiving")).one()
    assert stored.enterprise_id == intruder.id and stored.recorded_by_key_id is not None
    # … but a verdict on the producer's goods stays the producer's.
    before = _state(db_session)
    for minute, fields in enumerate(
        (
            {"bizStep": "inspecting", "disposition": "non_conformant"},
            {"bizStep": "receiving", "disposition": "recalled"},
            {"bizStep": "storing", "disposition": "destroyed"},
            {"bizStep": "shipping"},
        ),
        start=30,
    ):
        verdict = _event(lot, minute=minute, bizLocation={"id": gln_uri(my_place.gln)}, **fields)
        _assert_problem(
            client.post("/epcis/capture", json=_document(verdict), headers=keys["intruder"]), 403
        )
    assert _state(db_session) == before

    page = client.get(f"/p/01/{lot.product.gtin}/10/{lot.code}", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "Không đạt" not in page.text and "Thu hồi" not in page.text
    assert "Nhận hàng" in page.text and "Ghi nhận bởi" in page.text
    assert "Công ty Mạo Danh" in page.text

    # The producer sees A's step on its lot page and flags it to the agency.
    portal = _signed_in(app, owner.email)
    by_others = portal.get("/portal/events")
    assert by_others.status_code == 200
    assert (
        "Công ty Mạo Danh" in by_others.text and f"/portal/lots/{lot.id}#journey" in by_others.text
    )
    lot_page = portal.get(f"/portal/lots/{lot.id}")
    assert lot_page.status_code == 200 and "Công ty Mạo Danh" in lot_page.text
    token = _CSRF.search(lot_page.text)
    assert token is not None
    flag_url = f"/portal/lots/{lot.id}/events/{stored.id}/flag"
    assert f'action="{flag_url}"' in lot_page.text
    before = _state(db_session)
    short = portal.post(flag_url, data={"csrf_token": token.group(1), "reason": "x"})
    assert short.status_code == 422 and _state(db_session) == before
    flagged = portal.post(
        flag_url,
        data={"csrf_token": token.group(1), "reason": "Chúng tôi chưa giao lô này cho công ty."},
        follow_redirects=False,
    )
    assert flagged.status_code == 303, flagged.text
    after = _state(db_session)
    assert after[1] == before[1] + 1 and after[2] > before[2]  # the flag, and its audit entry
    assert "Đã báo cho Chi cục" in portal.get("/portal/events").text
    again = portal.post(flag_url, data={"csrf_token": token.group(1), "reason": "Lần nữa đây"})
    assert again.status_code == 409 and _state(db_session) == after
    # The recorder cannot flag (or even see) the producer's goods as its own.
    intruder_user = make_user(db_session, enterprise=intruder)
    db_session.flush()
    other = _signed_in(app, intruder_user.email)
    other_token = _CSRF.search(other.get("/portal/lots").text)
    assert other_token is not None
    after = _state(db_session)
    refused = other.post(flag_url, data={"csrf_token": other_token.group(1), "reason": "Tự báo"})
    assert refused.status_code == 404 and _state(db_session) == after

    staff = make_user(db_session, role=Role.agency)
    db_session.flush()
    agency = _signed_in(app, staff.email)
    queue = agency.get("/agency/flags")
    assert queue.status_code == 200
    assert "Chúng tôi chưa giao lô này cho công ty." in queue.text
    assert "Công ty Mạo Danh" in queue.text and "HTX Xoài Cao Lãnh" in queue.text
    flag_id = db_session.scalars(select(EventFlag.id)).one()
    agency_token = _CSRF.search(queue.text)
    assert agency_token is not None
    closed = agency.post(
        f"/agency/flags/{flag_id}/close",
        data={"csrf_token": agency_token.group(1), "note": "Đã liên hệ hai bên."},
        follow_redirects=False,
    )
    assert closed.status_code == 303
    assert "Chúng tôi chưa giao" not in agency.get("/agency/flags").text
