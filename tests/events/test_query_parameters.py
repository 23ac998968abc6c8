"""EPCIS 2.0 SimpleEventQuery parameters beyond the basic filters: ordering, limits, sensors,
quantities, WD_ locations, EXISTS_, extension fields (INNER_, ILMD_), persistent
disposition and error declarations, checked against the official examples."""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from registry.events.hashing import context_namespaces, event_hash
from tests.events.conftest import load, official_examples, without_event_ids
from tests.events.test_capture import VALIDATOR, capture, query, returned_events
from tests.events.test_query import _capture_all, _ids, _norm, _utc
from tests.testdata import data_path

QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


def _all(client: TestClient, headers: dict[str, str], **params: str) -> list[dict[str, Any]]:
    return returned_events(query(client, headers, perPage="1000", **params))


def _walk(client: TestClient, headers: dict[str, str], url: str) -> list[str]:
    seen: list[str] = []
    next_url: str | None = url
    while next_url:
        response = client.get(next_url, headers=headers)
        assert response.status_code == 200, response.text
        assert not list(VALIDATOR.iter_errors(response.json()))
        seen.extend(_ids(response.json()))
        link = response.headers.get("link")
        next_url = link.split(";")[0].strip("<>") if link else None
    return seen


def test_order_by_and_direction(client: TestClient, agency_headers: dict[str, str]) -> None:
    originals = _capture_all(client, agency_headers)
    for order_by in ("eventTime", "recordTime"):
        for direction, descending in (("ASC", False), ("DESC", True), (None, True)):
            params = {"orderBy": order_by} | ({"orderDirection": direction} if direction else {})
            events = _all(client, agency_headers, **params)
            assert len(events) == len(originals)
            keys = [_utc(e[order_by]) for e in events]
            assert keys == sorted(keys, reverse=descending), params
            # Paging under that order gives the same sequence, each event once.
            paged = _walk(client, agency_headers, "/epcis/events?perPage=4&" + _qs(params))
            assert paged == [e["eventID"] for e in events], params
    # orderDirection alone changes nothing (§8.2.7.1: it needs orderBy).
    assert _ids(query(client, agency_headers, perPage="1000", orderDirection="DESC")) == _ids(
        query(client, agency_headers, perPage="1000")
    )


def _qs(params: dict[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items())


def test_event_count_limit_keeps_the_first_events(
    client: TestClient, agency_headers: dict[str, str]
) -> None:
    _capture_all(client, agency_headers)
    ordered = _ids(query(client, agency_headers, perPage="1000", orderBy="eventTime"))
    limited = _ids(
        query(client, agency_headers, perPage="1000", orderBy="eventTime", eventCountLimit="5")
    )
    assert limited == ordered[:5]
    # Across pages the limit still counts the whole result: 2 + 2 + 1, then no next link.
    paged = _walk(
        client, agency_headers, "/epcis/events?perPage=2&orderBy=eventTime&eventCountLimit=5"
    )
    assert paged == ordered[:5]
    assert len(_all(client, agency_headers, eventCountLimit=str(len(ordered) + 10))) == len(ordered)


def test_max_event_count_refuses_a_larger_result(
    client: TestClient, agency_headers: dict[str, str]
) -> None:
    originals = _capture_all(client, agency_headers)
    total = len(originals)
    assert len(_all(client, agency_headers, maxEventCount=str(total))) == total
    # The limit is on the whole result, not on one page.
    assert (
        len(returned_events(query(client, agency_headers, perPage="2", maxEventCount=str(total))))
        == 2
    )
    response = client.get(
        "/epcis/events", params={"maxEventCount": str(total - 1)}, headers=agency_headers
    )
    assert response.status_code == 413, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["type"] == "epcisException:QueryTooLargeException"
    assert problem["errors"][0]["field"] == "maxEventCount"
    assert problem["errors"][0]["message_vi"] and problem["errors"][0]["message_en"]
    both = client.get(
        "/epcis/events",
        params={"maxEventCount": "5", "eventCountLimit": "5"},
        headers=agency_headers,
    )
    assert both.status_code == 400
    assert both.json()["type"] == "epcisException:QueryParameterException"


def _quantities(event: dict[str, Any]) -> list[Decimal]:
    return [
        Decimal(str(element["quantity"]))
        for name in QUANTITY_LISTS
        for element in event.get(name) or []
        if "quantity" in element
    ]


def test_quantity_parameters(client: TestClient, agency_headers: dict[str, str]) -> None:
    originals = _capture_all(client, agency_headers)
    comparisons: dict[str, Callable[[Any, Any], bool]] = {
        "EQ_quantity": operator.eq,
        "GT_quantity": operator.gt,
        "GE_quantity": operator.ge,
        "LT_quantity": operator.lt,
        "LE_quantity": operator.le,
    }
    for value in ("200", "12.5", "50", "1", "0.5"):
        for name, compare in comparisons.items():
            expected = sum(
                any(compare(q, Decimal(value)) for q in _quantities(e)) for e in originals
            )
            assert len(_all(client, agency_headers, **{name: value})) == expected, (name, value)
    assert len(_all(client, agency_headers, EQ_quantity="200")) > 0
    assert len(_all(client, agency_headers, GT_quantity="0")) == sum(
        bool(_quantities(e)) for e in originals
    )


def test_wd_locations(client: TestClient, agency_headers: dict[str, str]) -> None:
    originals = _capture_all(client, agency_headers)
    for name, field in (("WD_bizLocation", "bizLocation"), ("WD_readPoint", "readPoint")):
        for value in (
            "urn:epc:id:sgln:0614141.00888.0",
            "urn:epc:id:sgln:0614141.07346.1234",
            "https://id.gs1.org/414/0614141008889",
        ):
            expected = sum(_norm((e.get(field) or {}).get("id")) == _norm(value) for e in originals)
            assert len(_all(client, agency_headers, **{name: value})) == expected, (name, value)
    assert len(_all(client, agency_headers, WD_bizLocation="urn:epc:id:sgln:0614141.00888.0")) > 0


def test_exists_field(client: TestClient, agency_headers: dict[str, str]) -> None:
    originals = _capture_all(client, agency_headers)
    for name in (
        "bizTransactionList",
        "ilmd",
        "sensorElementList",
        "persistentDisposition",
        "parentID",
        "example:myField",
        "rail:vehicle",
        "errorDeclaration",
    ):
        expected = sum(e.get(name) not in (None, [], {}, "") for e in originals)
        assert len(_all(client, agency_headers, **{f"EXISTS_{name}": ""})) == expected, name
    assert len(_all(client, agency_headers, EXISTS_errorDeclaration="false")) == len(originals)
    assert len(_all(client, agency_headers, EXISTS_ilmd="true")) > 0


def test_exists_skips_empty_fields(client: TestClient, agency_headers: dict[str, str]) -> None:
    path = data_path(
        "epcis", "examples-digital-link", "Example_9.6.3-AggregationEventWithDigitalLink.jsonld"
    )
    document = load(path)
    events = []
    for index, empty in enumerate(("", [], {}, None)):
        event = {**document["epcisBody"]["eventList"][0], "example:myField": empty}
        event["eventID"] = f"ni:///sha-256;{index:064x}?ver=CBV2.0"
        events.append(event)
    document = {**document, "epcisBody": {"eventList": events}}
    assert capture(client, agency_headers, document).status_code == 202
    assert len(_all(client, agency_headers)) == len(events)
    assert _all(client, agency_headers, **{"EXISTS_example:myField": ""}) == []
    assert len(_all(client, agency_headers, EXISTS_parentID="")) == len(events)


def _sensor_examples() -> list[Path]:
    folder = data_path("epcis", "examples-json-all")
    return [
        *sorted(folder.joinpath("WithSensorData").glob("*.jsonld")),
        folder / "Example-Type-sourceOrDestination,measurement,bizTransaction.jsonld",
    ]


def _bare(type_: str) -> str:
    return type_.removeprefix("https://gs1.org/voc/").removeprefix("gs1:")


def test_sensor_parameters(client: TestClient, agency_headers: dict[str, str]) -> None:
    originals: list[dict[str, Any]] = []
    for path in _sensor_examples():
        # The examples reuse one another's event IDs; each event gets its content hash.
        document = without_event_ids(load(path))
        assert capture(client, agency_headers, document).status_code == 202, path.name
        originals.extend(document["epcisBody"]["eventList"])
    assert len(_all(client, agency_headers)) == len(originals)

    def reports(event: dict[str, Any]) -> list[dict[str, Any]]:
        return [r for s in event.get("sensorElementList") or [] for r in s.get("sensorReport", [])]

    def metadata(event: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            s["sensorMetadata"]
            for s in event.get("sensorElementList") or []
            if "sensorMetadata" in s
        ]

    def count(**params: str) -> int:
        return len(_all(client, agency_headers, **params))

    types = {_bare(r["type"]) for e in originals for r in reports(e) if "type" in r}
    assert len(types) >= 3
    for type_ in types:
        expected = sum(
            any(_bare(r.get("type", "")) == type_ for r in reports(e)) for e in originals
        )
        assert count(EQ_type=type_) == count(EQ_type=f"gs1:{type_}") == expected > 0, type_
    for attribute in ("deviceID", "stringValue", "uriValue", "chemicalSubstance", "microorganism"):
        values = {
            r[attribute] for e in originals for r in reports(e) + metadata(e) if attribute in r
        }
        for value in values:
            expected = sum(
                any(r.get(attribute) == value for r in reports(e) + metadata(e)) for e in originals
            )
            assert count(**{f"EQ_{attribute}": value}) == expected > 0, (attribute, value)
    for flag in ("true", "false"):
        expected = sum(
            any(r.get("booleanValue") is (flag == "true") for r in reports(e)) for e in originals
        )
        assert count(EQ_booleanValue=flag) == expected, flag
    comparisons: dict[str, Callable[[Any, Any], bool]] = {
        "EQ": operator.eq,
        "GT": operator.gt,
        "GE": operator.ge,
        "LT": operator.lt,
        "LE": operator.le,
    }
    checked = 0
    for attribute in ("value", "minValue", "maxValue", "meanValue"):
        found = {
            (r["uom"], r[attribute])
            for e in originals
            for r in reports(e)
            if attribute in r and "uom" in r
        }
        for uom, number in sorted(found)[:3]:
            for comparison, compare in comparisons.items():
                expected = sum(
                    any(
                        r.get("uom") == uom
                        and attribute in r
                        and compare(Decimal(str(r[attribute])), Decimal(str(number)))
                        for r in reports(e)
                    )
                    for e in originals
                )
                name = f"{comparison}_{attribute}_{uom}"
                assert count(**{name: str(number)}) == expected, name
                checked += expected
    assert checked > 0


def _field_examples() -> list[Path]:
    folder = data_path("epcis", "examples-json-all")
    return [
        *sorted(folder.joinpath("WithFullCombinationOfFields").glob("*.jsonld")),
        *sorted(folder.joinpath("WithErrorDeclaration").glob("*.jsonld")),
        folder / "PersistentDisposition-example.jsonld",
        *official_examples(),
    ]


def _capture_field_examples(
    client: TestClient, headers: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Every event by the eventID it is stored under (its event hash: the examples reuse
    one another's eventIDs). An event captured again is not stored again, and the hash
    leaves the error declaration out: the first capture is the one kept."""
    events: dict[str, dict[str, Any]] = {}
    for path in _field_examples():
        document = without_event_ids(load(path))
        assert capture(client, headers, document).status_code == 202, path.name
        namespaces = context_namespaces(document["@context"])
        for event in document["epcisBody"]["eventList"]:
            events.setdefault(event_hash(event, namespaces), event)
    return events


def _named(event: dict[str, Any], place: str, name: str) -> list[Any]:
    """The values of field `name` at `place` in an event, read the plain way."""
    ilmd = event.get("ilmd") or {}
    if place == "top":
        return [event[name]] if name in event else []
    if place == "ilmd":
        return [ilmd[name]] if name in ilmd else []
    roots = (
        list(ilmd.values())
        if place == "inner_ilmd"
        else [value for key, value in event.items() if key != "ilmd"]
    )
    found, stack = [], roots
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            found.extend(child for key, child in value.items() if key == name)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found


def _text(value: Any) -> str | None:
    if isinstance(value, dict | list) or value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def test_extension_field_parameters(client: TestClient, agency_headers: dict[str, str]) -> None:
    events = _capture_field_examples(client, agency_headers)
    assert len(_all(client, agency_headers)) == len(events)

    def ids(**params: str) -> set[str]:
        return {e["eventID"] for e in _all(client, agency_headers, **params)}

    checked = 0
    for prefix, place, name, value in (
        ("", "top", "ext1:string", "string"),
        ("", "top", "ext1:int", "10"),
        ("", "top", "example:myField", "Example of a vendor/user extension"),
        ("INNER_", "inner", "ext2:string", "stringInObject"),
        ("INNER_", "inner", "ext3:string", "stringInObjectInObjectInArray"),
        ("INNER_", "inner", "ext2:int", "13"),
        ("ILMD_", "ilmd", "cbvmda:lotNumber", "ABC123"),
        ("ILMD_", "ilmd", "ext1:boolean", "true"),
        ("INNER_ILMD_", "inner_ilmd", "ext3:string", "stringInObjectInObject"),
        ("INNER_ILMD_", "inner_ilmd", "ext2:string", "stringInObjectInArray"),
    ):
        expected = {key for key, e in events.items() if value in map(_text, _named(e, place, name))}
        assert ids(**{f"EQ_{prefix}{name}": value}) == expected, (prefix, name)
        assert ids(**{f"EQ_{prefix}{name}": f"nothing|{value}"}) == expected, (prefix, name)
        present = {
            key
            for key, e in events.items()
            if any(v not in (None, [], {}, "") for v in _named(e, place, name))
        }
        if prefix:
            assert ids(**{f"EXISTS_{prefix}{name}": ""}) == present, (prefix, name)
        checked += len(expected) + len(present)
    assert checked > 10
    # The ILMD is not inside a top-level extension: its fields are not inner ones.
    assert ids(**{"EQ_ILMD_cbvmda:lotNumber": "ABC123"})
    assert ids(**{"EQ_INNER_cbvmda:lotNumber": "ABC123"}) == set()


def test_persistent_disposition_and_error_declaration_parameters(
    client: TestClient, agency_headers: dict[str, str]
) -> None:
    events = _capture_field_examples(client, agency_headers)

    def ids(**params: str) -> set[str]:
        return {e["eventID"] for e in _all(client, agency_headers, **params)}

    def bare(value: str) -> str:
        return (
            value.rsplit("-", 1)[-1].rsplit(":", 1)[-1]
            if "://" in value or "urn:" in value
            else value
        )

    for which in ("set", "unset"):
        for term in ("completeness_verified", "completeness_inferred"):
            expected = {
                key
                for key, e in events.items()
                if term in map(bare, (e.get("persistentDisposition") or {}).get(which, []))
            }
            name = f"EQ_persistentDisposition_{which}"
            assert ids(**{name: term}) == expected, (which, term)
            web = f"https://ref.gs1.org/cbv/Disp-{term}"
            assert ids(**{name: web}) == expected, (which, term)
    declarations = {
        key: e["errorDeclaration"] for key, e in events.items() if "errorDeclaration" in e
    }
    assert declarations
    for reason in ("incorrect_data", "did_not_occur"):
        expected = {k for k, d in declarations.items() if bare(d.get("reason", "")) == reason}
        assert ids(EQ_errorReason=reason) == expected
        assert ids(EQ_errorReason=f"urn:epcglobal:cbv:er:{reason}") == expected
    corrective = {i for d in declarations.values() for i in d.get("correctiveEventIDs", [])}
    for event_id in corrective:
        expected = {
            k for k, d in declarations.items() if event_id in d.get("correctiveEventIDs", [])
        }
        assert ids(EQ_correctiveEventID=event_id) == expected
    # As written in the examples (with their offsets) and in UTC: the same instants.
    written = {d["declarationTime"] for d in declarations.values()}
    for text in written | {_utc(t) for t in written}:
        moment = _utc(text)
        assert ids(GE_errorDeclarationTime=text) == {
            k for k, d in declarations.items() if _utc(d["declarationTime"]) >= moment
        }
        assert ids(LT_errorDeclarationTime=text) == {
            k for k, d in declarations.items() if _utc(d["declarationTime"]) < moment
        }
    assert ids(EXISTS_errorDeclaration="") == set(declarations)


def test_field_parameters_refuse_what_is_not_a_field_name(
    client: TestClient, agency_headers: dict[str, str]
) -> None:
    for name in ("EQ_INNER_ex:a'b", "EXISTS_ILMD_", 'EQ_INNER_ILMD_a"b'):
        response = client.get("/epcis/events", params={name: "1"}, headers=agency_headers)
        assert response.status_code == 400, name
        problem = response.json()
        assert problem["type"] == "epcisException:QueryParameterException"
        assert problem["errors"][0]["field"] == name
