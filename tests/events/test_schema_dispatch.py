"""The fast event check accepts exactly what the official schema, compiled as published, accepts.

The capture path validates each event against its own type's definition, with
`propertyNames` rewritten to try the standard names first (registry/events/schema.py):
faster, and meant to change nothing. Compared here over every event of the vendored
examples and seeded variations of them (fields dropped, added, retyped; unknown types).
"""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import fastjsonschema

from registry.events.schema import EVENT_TYPES, epcis_schema, event_problems
from tests.testdata import data_path

_VARIANTS_PER_EVENT = 12
_NAMES = (
    "action",
    "epcList",
    "ilmd",
    "parentID",
    "childEPCs",
    "persistentDisposition",
    "transformationID",
    "sensorElementList",
    "eventTime",
    "foo",
    "ex:foo",
    "https://example.org/field",
)
_VALUES: tuple[Any, ...] = (
    None,
    1,
    "x",
    "ADD",
    "https://example.org/v",
    [],
    {},
    ["urn:epc:id:sgtin:0614141.107346.2017"],
    {"id": "urn:epc:id:sgln:0614141.00777.0"},
)
_TYPES: tuple[Any, ...] = (*EVENT_TYPES, "Foo", "https://example.org/MyEvent", 1, None)


def _published_check() -> Any:
    schema = epcis_schema()
    event = {
        "$schema": schema["$schema"],
        "definitions": schema["definitions"],
        "$ref": "#/definitions/EPCIS-Document-Event",
    }
    return fastjsonschema.compile(event, handlers={"https": lambda _uri: schema})


def _example_events() -> list[dict[str, Any]]:
    events = []
    for path in sorted(data_path("epcis").rglob("*.json*")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        body = document.get("epcisBody", {}) if isinstance(document, dict) else {}
        results = (body.get("queryResults") or {}).get("resultsBody") or {}
        events += [e for e in body.get("eventList") or results.get("eventList") or [] if e]
    return events


def _variant(event: dict[str, Any], rng: random.Random) -> Any:
    variant = copy.deepcopy(event)
    roll = rng.random()
    if roll < 0.3 and variant:
        variant.pop(rng.choice(sorted(variant)))
    elif roll < 0.6:
        variant[rng.choice(_NAMES)] = rng.choice(_VALUES)
    elif roll < 0.8:
        variant["type"] = rng.choice(_TYPES)
    elif variant:
        variant[rng.choice(sorted(variant))] = rng.choice(_VALUES)
    return variant


def test_event_check_accepts_what_the_published_schema_accepts() -> None:
    published = _published_check()
    rng = random.Random(19)
    events = _example_events()
    assert len(events) > 40
    cases: list[Any] = [None, 1, "x", [], {}, {"type": 1}, {"type": "ObjectEvent"}]
    for event in events:
        cases += [event] + [_variant(event, rng) for _ in range(_VARIANTS_PER_EVENT)]
    accepted = 0
    for case in cases:
        try:
            published(case)
            expected = True
        except fastjsonschema.JsonSchemaException:
            expected = False
        accepted += expected
        assert (event_problems(case) == []) == expected, json.dumps(case)[:500]
    # Both outcomes are exercised, so the comparison cannot pass vacuously.
    assert 0 < accepted < len(cases)
