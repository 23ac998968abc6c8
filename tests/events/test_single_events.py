"""An event served on its own (GET /epcis/events/{id}, the answer to POST /epcis/events) is
a JSON-LD document in itself: it carries the EPCIS context and is valid against the
official schema, which requires `@context` of a lone event."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from registry.events.vocabulary import STANDARD_CONTEXT
from tests.events.conftest import load, official_examples
from tests.events.test_capture import VALIDATOR, capture_completely
from tests.testdata import data_path

SENSOR_EXAMPLES = sorted(data_path("epcis", "examples-json-all", "WithSensorData").glob("*.jsonld"))


def _valid_alone(event: dict[str, Any]) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(event)]
    assert not errors, errors[:3]
    assert event["@context"][0] == STANDARD_CONTEXT


@pytest.mark.parametrize("path", official_examples() + SENSOR_EXAMPLES, ids=lambda p: p.name)
def test_every_captured_event_is_served_alone_with_its_context(
    client: TestClient, agency_headers: dict[str, str], path: Path
) -> None:
    document = load(path)
    for summary in capture_completely(client, agency_headers, document):
        answer = client.get(
            f"/epcis/events/{quote(summary['eventID'], safe='')}", headers=agency_headers
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("application/ld+json")
        event = answer.json()
        _valid_alone(event)
        # Extension prefixes of the capture document still mean what they meant.
        served = {k: v for c in event["@context"] if isinstance(c, dict) for k, v in c.items()}
        for context in document["@context"]:
            if isinstance(context, dict):
                prefixes = {k: v for k, v in context.items() if isinstance(v, str)}
                assert prefixes.items() <= served.items(), (prefixes, served)


def test_an_event_posted_alone_is_answered_with_its_context(
    client: TestClient, agency_headers: dict[str, str]
) -> None:
    document = load(next(p for p in official_examples() if p.name.startswith("Example_9.6.2")))
    event = {**document["epcisBody"]["eventList"][0], "@context": document["@context"]}
    event.pop("eventID")
    answer = client.post("/epcis/events", json=event, headers=agency_headers)
    assert answer.status_code == 201, answer.text
    _valid_alone(answer.json())
    _valid_alone(client.get(answer.headers["Location"], headers=agency_headers).json())
