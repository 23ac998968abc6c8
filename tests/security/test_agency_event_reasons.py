"""An agency write key can capture any EPCIS event; one that changes what consumers are
told about goods (recalled, destroyed, decommissioned, a failed inspection) must carry
its reason, as every other officer's change does. Without one: a ValidationException
naming the field, nothing stored (HTTP, both databases)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.models import KeyScope, Role
from registry.events.models import EpcisEvent
from registry.events.steps import CONTEXT, lot_uri
from registry.lots.models import Lot
from tests.factories import api_headers, epcis_document, make_enterprise, make_lot, make_product

DAY = (dt.date.today() - dt.timedelta(days=2)).isoformat()


def _event(lot: Lot, **fields: Any) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": f"{DAY}T09:00:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "quantityList": [{"epcClass": lot_uri(lot), "quantity": 5, "uom": "KGM"}],
        **fields,
    }


def _stored(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(EpcisEvent)) or 0)


@pytest.fixture
def lot(db_session: Session) -> Lot:
    return make_lot(
        db_session, product=make_product(db_session, enterprise=make_enterprise(db_session))
    )


@pytest.fixture
def officer(db_session: Session) -> dict[str, str]:
    return api_headers(db_session, role=Role.agency, scope=KeyScope.write)


VERDICT_CHANGES = {
    "recall": {"bizStep": "holding", "disposition": "recalled"},
    "destroy": {"bizStep": "destroying", "disposition": "destroyed"},
    "decommission": {"action": "DELETE", "bizStep": "decommissioning"},
    "failed inspection": {"bizStep": "inspecting", "disposition": "non_conformant"},
    "reason left blank": {"disposition": "recalled", "tx:reason": "  "},
}


@pytest.mark.parametrize("fields", VERDICT_CHANGES.values(), ids=VERDICT_CHANGES.keys())
def test_an_officers_verdict_change_without_a_reason_is_refused(
    client: TestClient, db_session: Session, lot: Lot, officer: dict[str, str], fields: Any
) -> None:
    before = _stored(db_session)
    event = _event(lot, **fields)
    # The capture interface answers 202 and records the refusal in its job.
    job = client.post("/epcis/capture", json=epcis_document(event, day=DAY), headers=officer)
    assert job.status_code == 202 and job.json()["success"] is False, job.text
    assert [error["field"] for error in job.json()["errors"]] == ["eventList[0].tx:reason"]
    answer = client.post("/epcis/events", json={"@context": CONTEXT, **event}, headers=officer)
    assert answer.status_code == 400, answer.text
    assert answer.json()["type"].endswith("ValidationException"), answer.text
    assert "eventList[0].tx:reason" in answer.text
    assert answer.json()["message_vi"] and answer.json()["message_en"]
    assert _stored(db_session) == before


REASONS = {
    "tx:reason": {"disposition": "recalled", "tx:reason": "Nhiễm vi sinh vượt ngưỡng"},
    "tx:recallReason": {"disposition": "recalled", "tx:recallReason": "Nhãn sai hạn dùng"},
    "errorDeclaration": {
        "bizStep": "destroying",
        "disposition": "destroyed",
        "errorDeclaration": {
            "declarationTime": f"{DAY}T10:00:00.000+07:00",
            "reason": "incorrect_data",
        },
    },
    "test report": {
        "bizStep": "inspecting",
        "disposition": "non_conformant",
        "bizTransactionList": [{"type": "testres", "bizTransaction": "urn:x:report:42"}],
    },
}


@pytest.mark.parametrize("fields", REASONS.values(), ids=REASONS.keys())
def test_an_officers_verdict_change_with_its_reason_is_stored(
    client: TestClient, db_session: Session, lot: Lot, officer: dict[str, str], fields: Any
) -> None:
    before = _stored(db_session)
    event = _event(lot, **fields)
    answer = client.post("/epcis/events", json={"@context": CONTEXT, **event}, headers=officer)
    assert answer.status_code in (201, 202), answer.text
    assert _stored(db_session) == before + 1


def test_an_officers_neutral_event_needs_no_reason(
    client: TestClient, db_session: Session, lot: Lot, officer: dict[str, str]
) -> None:
    event = _event(lot, bizStep="inspecting", disposition="conformant")
    answer = client.post("/epcis/events", json={"@context": CONTEXT, **event}, headers=officer)
    assert answer.status_code in (201, 202), answer.text


def test_the_owners_own_recall_needs_no_reason(client: TestClient, db_session: Session) -> None:
    enterprise = make_enterprise(db_session)
    lot = make_lot(db_session, product=make_product(db_session, enterprise=enterprise))
    event = _event(lot, bizStep="holding", disposition="recalled")
    answer = client.post(
        "/epcis/events",
        json={"@context": CONTEXT, **event},
        headers=api_headers(db_session, enterprise=enterprise),
    )
    assert answer.status_code in (201, 202), answer.text
