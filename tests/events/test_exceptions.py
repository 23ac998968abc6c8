"""Errors on /epcis/* are EPCIS exceptions by their standard names (REST binding,
openapi.yaml `components/responses`), with an absolute `instance` built from the configured
address, and the Vietnamese and English messages kept."""

from __future__ import annotations

import copy
import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.events.models import CaptureJob, EpcisEvent
from registry.settings import Settings
from tests.events.conftest import load, official_examples

JSON = {"Content-Type": "application/json"}


def _stored(session: Session) -> tuple[int, int]:
    events = session.scalar(select(func.count()).select_from(EpcisEvent)) or 0
    jobs = session.scalar(select(func.count()).select_from(CaptureJob)) or 0
    return events, jobs


def _exception(response: Any, status: int, name: str, settings: Settings) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == f"epcisException:{name}", body
    assert body["status"] == status
    path = response.request.url.path
    assert body["instance"] == settings.public_base_url + path, body
    assert body["message_vi"] and body["message_en"] and body["detail"]
    return body


def test_query_errors_are_query_parameter_exceptions_naming_the_parameter(
    client: TestClient, agency_headers: dict[str, str], settings: Settings
) -> None:
    answer = client.get("/epcis/events?GE_eventTime=yesterday", headers=agency_headers)
    body = _exception(answer, 400, "QueryParameterException", settings)
    assert any(e["field"] == "GE_eventTime" for e in body["errors"]), body


def test_unknown_event_is_no_such_name(
    client: TestClient, agency_headers: dict[str, str], settings: Settings
) -> None:
    answer = client.get("/epcis/events/ni:///sha-256;nothing?ver=CBV2.0", headers=agency_headers)
    _exception(answer, 404, "NoSuchNameException", settings)
    unknown_job = client.get("/epcis/capture/capture-nope", headers=agency_headers)
    _exception(unknown_job, 404, "NoSuchNameException", settings)


def test_missing_key_is_a_security_exception(client: TestClient, settings: Settings) -> None:
    _exception(client.get("/epcis/events"), 401, "SecurityException", settings)


def test_unreadable_capture_is_a_validation_exception_and_stores_nothing(
    client: TestClient, agency_headers: dict[str, str], settings: Settings, db_session: Session
) -> None:
    before = _stored(db_session)
    answer = client.post("/epcis/capture", content=b"{not json", headers={**agency_headers, **JSON})
    _exception(answer, 400, "ValidationException", settings)
    single = client.post("/epcis/events", content=b"[]", headers={**agency_headers, **JSON})
    _exception(single, 400, "ValidationException", settings)
    assert _stored(db_session) == before


def test_instance_ignores_the_clients_host_header(
    client: TestClient, agency_headers: dict[str, str], settings: Settings
) -> None:
    answer = client.get(
        "/epcis/events/unknown", headers={**agency_headers, "Host": "attacker.example"}
    )
    body = answer.json()
    assert body["instance"].startswith(settings.public_base_url + "/epcis/"), body
    assert "attacker" not in json.dumps(body)


def test_other_interfaces_keep_their_problem_types(
    client: TestClient, agency_headers: dict[str, str]
) -> None:
    answer = client.get("/api/v1/products/nope", headers=agency_headers)
    assert 400 <= answer.status_code < 500
    assert answer.json()["type"].startswith("https://truyxuat.dev/problems/")


def test_event_id_conflict_is_reported_in_the_capture_job_not_as_409(
    client: TestClient, agency_headers: dict[str, str], db_session: Session
) -> None:
    document = load(next(p for p in official_examples() if p.name.startswith("Example_9.6.2")))
    assert client.post("/epcis/capture", json=document, headers=agency_headers).status_code == 202
    before = _stored(db_session)
    changed = copy.deepcopy(document)
    changed["epcisBody"]["eventList"][0]["bizStep"] = "shipping"  # same eventID, other event
    answer = client.post("/epcis/capture", json=changed, headers=agency_headers)
    assert answer.status_code == 202, answer.text
    job = client.get(answer.headers["Location"], headers=agency_headers).json()
    assert job["success"] is False and job["newEventCount"] == 0, job
    assert job["errors"] and all(e["message_vi"] and e["message_en"] for e in job["errors"])
    assert _stored(db_session)[0] == before[0]
    # One event sent alone is still answered at once: it has no job to report in.
    alone = {"@context": document["@context"], **changed["epcisBody"]["eventList"][0]}
    refused = client.post("/epcis/events", json=alone, headers=agency_headers)
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == "epcisException:ResourceAlreadyExistsException"
    assert _stored(db_session)[0] == before[0]


def test_instance_is_a_uri_when_the_path_is_not_ascii(
    client: TestClient, agency_headers: dict[str, str], settings: Settings
) -> None:
    # Found by schemathesis with GS1's EPCIS OpenAPI document (instance: format uri).
    answer = client.get("/epcis/capture/lô hàng%7F", headers=agency_headers)
    assert answer.status_code == 404, answer.text
    instance = answer.json()["instance"]
    assert instance == settings.public_base_url + "/epcis/capture/l%C3%B4%20h%C3%A0ng%7F"
    assert all(33 <= ord(c) < 127 for c in instance)
