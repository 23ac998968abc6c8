"""Capture through the EPCIS 2.0 REST binding, on both databases."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft7Validator, FormatChecker, validators
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.events.models import EpcisEvent
from tests.events.conftest import load, official_examples, without_event_ids
from tests.events.oracle import OracleCannotRead, oracle_hash, oracle_hashes
from tests.factories import api_headers, make_enterprise, make_location, make_product
from tests.testdata import load_json

SCHEMA = load_json("epcis", "EPCIS-JSON-Schema.json")
_ITEMS = Draft7Validator.VALIDATORS["items"]
_VALID_ITEMS: set[tuple[int, str]] = set()


def _items_remembered(
    validator: Any, items: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[Any]:
    """Draft 7's `items`, remembering each array member found valid against the one
    subschema all members share: validity is a function of the member's JSON and the
    subschema, so a member met again (an event in the answer to the next query) is valid
    again without being walked. Members with errors are walked every time."""
    if not validator.is_type(instance, "array") or validator.is_type(items, "array"):
        yield from _ITEMS(validator, items, instance, schema)
        return
    for index, item in enumerate(instance):
        key = (id(items), json.dumps(item, sort_keys=True))
        if key in _VALID_ITEMS:
            continue
        errors = list(validator.descend(item, items, path=index))
        if errors:
            yield from errors
        else:
            _VALID_ITEMS.add(key)


# The official schema (one $id, at its root: a subschema means the same wherever reached).
VALIDATOR = validators.extend(Draft7Validator, {"items": _items_remembered})(
    SCHEMA, format_checker=FormatChecker()
)


def stored_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(EpcisEvent)) or 0


def query(client: TestClient, headers: dict[str, str], **params: str) -> dict[str, Any]:
    response = client.get("/epcis/events", params=params, headers=headers)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    assert not list(VALIDATOR.iter_errors(document)), list(VALIDATOR.iter_errors(document))[:3]
    return document


def returned_events(document: dict[str, Any]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    return events


def capture(client: TestClient, headers: dict[str, str], document: Any) -> Any:
    body = document if isinstance(document, str | bytes) else json.dumps(document)
    return client.post(
        "/epcis/capture", content=body, headers={**headers, "Content-Type": "application/ld+json"}
    )


def capture_completely(
    client: TestClient, headers: dict[str, str], document: Any
) -> list[dict[str, Any]]:
    """Capture, read the job, query: every event of the document was stored. The events."""
    response = capture(client, headers, document)
    assert response.status_code == 202, response.text
    job = client.get(response.headers["Location"], headers=headers)
    assert job.status_code == 200
    assert job.json()["success"] is True and job.json()["running"] is False
    returned = returned_events(query(client, headers))
    assert len(returned) == len(document["epcisBody"]["eventList"])
    return returned


@pytest.mark.parametrize("path", official_examples(), ids=lambda p: p.name)
def test_official_example_is_captured_and_comes_back_with_the_same_meaning(
    client: TestClient, agency_headers: dict[str, str], path: Path
) -> None:
    document = load(path)
    returned = capture_completely(client, agency_headers, document)
    context = document["@context"]
    for original in document["epcisBody"]["eventList"]:
        back = next(e for e in returned if _same_event(e, original))
        assert all(uri.startswith("https://id.gs1.org/") for uri in back.get("epcList", []))
        # The oracle would hash an event's own @context, which CBV 2.0 leaves out.
        back_context = [*context, *(back.pop("@context", None) or [])]
        try:
            expected = oracle_hash(original, context)
        except OracleCannotRead:
            continue
        # The event hash is a canonical form of what happened: equal hashes mean the
        # event came back with the same meaning, whatever the identifier spelling.
        assert oracle_hash(back, back_context) == expected


def _same_event(returned: dict[str, Any], original: dict[str, Any]) -> bool:
    if "eventID" in original:
        return bool(returned["eventID"] == original["eventID"])
    return bool(
        returned["type"] == original["type"]
        and _instant(returned["eventTime"]) == _instant(original["eventTime"])
    )


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_missing_event_ids_get_the_cbv_event_hash(
    client: TestClient, agency_headers: dict[str, str]
) -> None:
    path = next(p for p in official_examples() if p.name.startswith("PersistentDisposition"))
    document = without_event_ids(load(path))
    assert capture(client, agency_headers, document).status_code == 202
    ids = [e["eventID"] for e in returned_events(query(client, agency_headers))]
    assert ids == oracle_hashes(document)


def test_capturing_again_changes_nothing(
    client: TestClient, agency_headers: dict[str, str], db_session: Session
) -> None:
    document = without_event_ids(load(official_examples()[-1]))
    first = capture(client, agency_headers, document)
    count = stored_count(db_session)
    second = capture(client, agency_headers, document)
    assert second.status_code == 202
    assert second.json()["success"] is True and second.json()["newEventCount"] == 0
    assert first.json()["newEventCount"] == count > 0
    assert stored_count(db_session) == count


def test_single_event_is_created_and_found_at_its_location(
    client: TestClient, agency_headers: dict[str, str]
) -> None:
    document = load(next(p for p in official_examples() if p.name.startswith("Example_9.6.2")))
    event = {"@context": document["@context"], **document["epcisBody"]["eventList"][0]}
    event.pop("eventID")
    response = client.post("/epcis/events", json=event, headers=agency_headers)
    assert response.status_code == 201, response.text
    fetched = client.get(response.headers["Location"], headers=agency_headers)
    assert fetched.status_code == 200
    bare = {k: v for k, v in event.items() if k != "@context"}
    assert fetched.json()["eventID"] == oracle_hash(bare, document["@context"])
    again = client.post("/epcis/events", json=event, headers=agency_headers)
    assert again.status_code == 201
    assert again.headers["Location"] == response.headers["Location"]


def _bad_document() -> dict[str, Any]:
    return copy.deepcopy(
        load(
            next(p for p in official_examples() if p.name.startswith("Example_9.6.1-ObjectEvent."))
        )
    )


def _assert_refused(
    response: Any, field: str, session: Session, count: int, status: int = 400
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    fields = [e["field"] for e in body["errors"]]
    assert any(f.startswith(field) for f in fields), fields
    assert all(e["message_vi"] and e["message_en"] for e in body["errors"])
    assert stored_count(session) == count
    return body


def _assert_reported(
    client: TestClient, headers: dict[str, str], response: Any, field: str, session: Session
) -> dict[str, Any]:
    """Received (202), then the capture job reports the errors: nothing was stored."""
    before = stored_count(session)
    assert response.status_code == 202, response.text
    job: dict[str, Any] = client.get(response.headers["Location"], headers=headers).json()
    assert job["success"] is False and job["newEventCount"] == 0 and not job["running"], job
    fields = [e["field"] for e in job["errors"]]
    assert any(f.startswith(field) for f in fields), fields
    assert all(e["message_vi"] and e["message_en"] for e in job["errors"])
    assert stored_count(session) == before
    return job


def test_malformed_json_is_refused(
    client: TestClient, agency_headers: dict[str, str], db_session: Session
) -> None:
    response = capture(client, agency_headers, '{"type": "EPCISDocument", "epcisBody": {')
    _assert_refused(response, "body", db_session, 0)


def test_harvesting_is_not_a_bizstep(
    client: TestClient, agency_headers: dict[str, str], db_session: Session
) -> None:
    document = _bad_document()
    document["epcisBody"]["eventList"][1]["bizStep"] = "harvesting"
    body = _assert_reported(
        client,
        agency_headers,
        capture(client, agency_headers, document),
        "eventList[1].bizStep",
        db_session,
    )
    assert "commissioning" in body["errors"][0]["message_vi"]


def test_schema_violation_names_event_and_field(
    client: TestClient, agency_headers: dict[str, str], db_session: Session
) -> None:
    document = _bad_document()
    del document["epcisBody"]["eventList"][0]["action"]
    document["epcisBody"]["eventList"][1]["readPoint"] = {"id": "not a uri"}
    response = capture(client, agency_headers, document)
    body = _assert_reported(client, agency_headers, response, "eventList[0]", db_session)
    assert any(e["field"].startswith("eventList[1].readPoint") for e in body["errors"])


def test_event_time_in_the_future_is_refused(
    client: TestClient, agency_headers: dict[str, str], db_session: Session
) -> None:
    document = _bad_document()
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)
    document["epcisBody"]["eventList"][0]["eventTime"] = soon.isoformat()
    document["epcisBody"]["eventList"][1]["eventTime"] = later.isoformat()
    _assert_reported(
        client,
        agency_headers,
        capture(client, agency_headers, document),
        "eventList[1].eventTime",
        db_session,
    )
    document["epcisBody"]["eventList"][1]["eventTime"] = soon.isoformat()
    assert capture(client, agency_headers, document).status_code == 202


def test_wrong_check_digit_is_refused(
    client: TestClient, agency_headers: dict[str, str], db_session: Session
) -> None:
    document = load(next(p for p in official_examples() if "ObjectEventWithDigitalLink" in p.name))
    document["epcisBody"]["eventList"][0]["epcList"][1] = (
        "https://id.gs1.org/01/70614141123452/21/2018"
    )
    _assert_reported(
        client,
        agency_headers,
        capture(client, agency_headers, document),
        "eventList[0].epcList[1]",
        db_session,
    )


def _enterprise_event(
    gtin: str, gln: str, *, source: str | None = None, lot: str = "LOT1"
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "bizStep": "receiving",
        "eventTime": "2025-03-01T08:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "quantityList": [
            {"epcClass": f"https://id.gs1.org/01/{gtin}/10/{lot}", "quantity": 10, "uom": "KGM"}
        ],
        "bizLocation": {"id": f"https://id.gs1.org/414/{gln}"},
    }
    if source:
        event["sourceList"] = [{"type": "location", "source": f"https://id.gs1.org/414/{source}"}]
    return event


def _document(*events: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-03-01T08:00:00Z",
        "epcisBody": {"eventList": list(events)},
    }


def test_enterprise_captures_only_its_own_and_what_was_shipped_to_it(
    client: TestClient, db_session: Session
) -> None:
    mine = make_enterprise(db_session)
    other = make_enterprise(db_session)
    headers = api_headers(db_session, role=Role.enterprise, enterprise=mine)
    their_headers = api_headers(db_session, role=Role.enterprise, enterprise=other)
    my_product = make_product(db_session, enterprise=mine)
    my_place = make_location(db_session, enterprise=mine)
    their_product = make_product(db_session, enterprise=other)
    their_place = make_location(db_session, enterprise=other)

    good = _enterprise_event(my_product.gtin, my_place.gln)
    from_partner = _enterprise_event(their_product.gtin, my_place.gln, source=their_place.gln)
    assert capture(client, headers, _document(good)).status_code == 202
    count = stored_count(db_session)
    # Naming the partner as source is no right over its goods: it never shipped them here.
    _assert_refused(
        capture(client, headers, _document(good, from_partner)),
        "eventList[1].quantityList[0].epcClass",
        db_session,
        count,
        403,
    )
    shipped = {
        **_enterprise_event(their_product.gtin, their_place.gln),
        "bizStep": "shipping",
        "eventTime": "2025-03-01T07:00:00+07:00",
        "destinationList": [
            {"type": "location", "destination": f"https://id.gs1.org/414/{my_place.gln}"}
        ],
    }
    assert capture(client, their_headers, _document(shipped)).status_code == 202
    assert capture(client, headers, _document(good, from_partner)).status_code == 202
    count = stored_count(db_session)

    stolen = _enterprise_event(their_product.gtin, my_place.gln, lot="LOT2")
    body = _assert_refused(
        capture(client, headers, _document(good, stolen)),
        "eventList[1].quantityList[0].epcClass",
        db_session,
        count,
        403,
    )
    assert len(body["errors"]) == 1
    # What was received may be stored, not judged: that is the owner's word.
    for step, disposition in (("inspecting", "non_conformant"), ("receiving", "recalled")):
        verdict = {**from_partner, "bizStep": step, "disposition": disposition}
        _assert_refused(
            capture(client, headers, _document(verdict)),
            "eventList[0].quantityList[0].epcClass",
            db_session,
            count,
            403,
        )

    elsewhere = _enterprise_event(my_product.gtin, their_place.gln)
    _assert_refused(
        capture(client, headers, _document(elsewhere)),
        "eventList[0].bizLocation.id",
        db_session,
        count,
        403,
    )

    unknown_partner = _enterprise_event(my_product.gtin, my_place.gln, source="8930000000019")
    _assert_refused(
        capture(client, headers, _document(unknown_partner)),
        "eventList[0].sourceList[0].source",
        db_session,
        count,
        403,
    )


def test_agency_key_is_not_bound_to_one_enterprise(
    client: TestClient, db_session: Session, agency_headers: dict[str, str]
) -> None:
    other = make_enterprise(db_session)
    product = make_product(db_session, enterprise=other)
    event = _enterprise_event(product.gtin, "8930000000019")
    assert capture(client, agency_headers, _document(event)).status_code == 202
