"""EPCIS bodies are bounded: size, events per document and JSON depth are refused with a
problem naming the limit, before anything is stored; a document is not an event."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.events.body import MAX_DEPTH
from registry.events.capture import CAPTURE_LIMIT
from registry.events.models import CaptureJob, EpcisEvent
from service.state import AppState
from tests.events.conftest import load, official_examples, without_event_ids

JSON_HEADERS = {"Content-Type": "application/json"}


def _stored(session: Session) -> tuple[int, int]:
    events = session.scalar(select(func.count()).select_from(EpcisEvent)) or 0
    jobs = session.scalar(select(func.count()).select_from(CaptureJob)) or 0
    return events, jobs


def _document() -> dict[str, Any]:
    path = next(p for p in official_examples() if p.name.startswith("Example_9.6.1-ObjectEvent."))
    return without_event_ids(load(path))


def _problem(response: Any, status: int, *words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    for word in words:
        assert word in body["message_vi"] and word in body["message_en"], body
    return body


def test_a_whole_document_sent_as_an_event_is_sent_to_capture(
    client: TestClient, agency_headers: dict[str, str], db_session: Session
) -> None:
    response = client.post(
        "/epcis/events", content=json.dumps(_document()), headers={**agency_headers, **JSON_HEADERS}
    )
    _problem(response, 400, "/epcis/capture", "EPCISDocument")
    assert _stored(db_session) == (0, 0)


def _with_nesting(value: dict[str, Any], levels: int) -> str:
    """The JSON text of `value` with an extension `levels` arrays deep (built as text:
    json.dumps itself recurses)."""
    text = json.dumps({**value, "example:extension": "NESTED"})
    return text.replace('"NESTED"', "[" * levels + "]" * levels)


@pytest.mark.parametrize("levels", [400, 5000])
def test_deeply_nested_json_is_refused_with_the_limit(
    client: TestClient, agency_headers: dict[str, str], db_session: Session, levels: int
) -> None:
    headers = {**agency_headers, **JSON_HEADERS}
    document = _document()
    event = {"@context": document["@context"], **document["epcisBody"]["eventList"][0]}
    document["epcisBody"]["eventList"][0] = {**event, "example:extension": "NESTED"}
    text = json.dumps(document).replace('"NESTED"', "[" * levels + "]" * levels)
    _problem(client.post("/epcis/capture", content=text, headers=headers), 400, "64")
    response = client.post("/epcis/events", content=_with_nesting(event, levels), headers=headers)
    _problem(response, 400, str(MAX_DEPTH))
    assert _stored(db_session) == (0, 0)


def test_an_extension_nested_within_the_limit_is_captured(
    client: TestClient, agency_headers: dict[str, str], db_session: Session
) -> None:
    document = _document()
    document["epcisBody"]["eventList"][0]["example:extension"] = "NESTED"
    text = json.dumps(document).replace('"NESTED"', "[" * (MAX_DEPTH - 8) + "]" * (MAX_DEPTH - 8))
    response = client.post(
        "/epcis/capture", content=text, headers={**agency_headers, **JSON_HEADERS}
    )
    assert response.status_code == 202, response.text
    assert _stored(db_session) == (2, 1)


def test_more_events_than_the_capture_limit_are_refused_with_413(
    client: TestClient, agency_headers: dict[str, str], db_session: Session
) -> None:
    document = _document()
    # Counted before anything else is checked: the smallest events will do.
    document["epcisBody"]["eventList"] = [{"type": "ObjectEvent"}] * (CAPTURE_LIMIT + 1)
    response = client.post(
        "/epcis/capture", content=json.dumps(document), headers={**agency_headers, **JSON_HEADERS}
    )
    _problem(response, 413, f"{CAPTURE_LIMIT}", f"{CAPTURE_LIMIT + 1}")
    assert _stored(db_session) == (0, 0)


@pytest.fixture
def small_body_limit(app_state: AppState, monkeypatch: pytest.MonkeyPatch) -> int:
    limit = 4096
    monkeypatch.setattr(app_state.settings, "epcis_max_body_bytes", limit)
    return limit


@pytest.mark.parametrize("route", ["/epcis/capture", "/epcis/events"])
def test_a_body_over_the_size_limit_is_refused_with_413(
    client: TestClient,
    agency_headers: dict[str, str],
    db_session: Session,
    small_body_limit: int,
    route: str,
) -> None:
    document = _document()
    document["epcisBody"]["eventList"][0]["example:note"] = "x" * small_body_limit
    text = json.dumps(document).encode()
    headers = {**agency_headers, **JSON_HEADERS}
    _problem(client.post(route, content=text, headers=headers), 413, str(small_body_limit))

    def chunks() -> Iterator[bytes]:
        # No Content-Length: the limit holds for a streamed body too.
        for start in range(0, len(text), 1000):
            yield text[start : start + 1000]

    _problem(client.post(route, content=chunks(), headers=headers), 413, str(small_body_limit))
    assert _stored(db_session) == (0, 0)
    fitting = json.dumps(_document())
    assert len(fitting) < small_body_limit
    assert client.post("/epcis/capture", content=fitting, headers=headers).status_code == 202


def test_the_next_page_link_uses_the_configured_address_not_the_host_header(
    client: TestClient, agency_headers: dict[str, str]
) -> None:
    captured = client.post(
        "/epcis/capture",
        content=json.dumps(_document()),
        headers={**agency_headers, **JSON_HEADERS},
    )
    assert captured.status_code == 202, captured.text
    response = client.get(
        "/epcis/events",
        params={"perPage": "1"},
        headers={**agency_headers, "Host": "evil.example"},
    )
    assert response.status_code == 200, response.text
    link = response.headers["Link"]
    assert link.startswith("<https://truyxuat.dongthap.gov.vn/epcis/events?"), link
    assert "evil.example" not in link
