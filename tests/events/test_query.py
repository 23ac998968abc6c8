"""The EPCIS 2.0 query interface: filters, paging, discovery, visibility."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from epcis_event_hash_generator.dl_normaliser import normaliser
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from tests.events.conftest import load, official_examples
from tests.events.test_capture import VALIDATOR, capture, query, returned_events
from tests.factories import api_headers, make_enterprise


def _capture_all(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    events = []
    for path in official_examples():
        document = load(path)
        assert capture(client, headers, document).status_code == 202
        events.extend(document["epcisBody"]["eventList"])
    return events


def _norm(uri: str | None) -> str | None:
    return normaliser(uri) if uri else None


def _identifiers(event: dict[str, Any], fields: tuple[str, ...]) -> set[str | None]:
    found: set[str | None] = set()
    for name in fields:
        value = event.get(name)
        for uri in value if isinstance(value, list) else [value] if value else []:
            found.add(_norm(uri))
    return found


def _classes(event: dict[str, Any], fields: tuple[str, ...]) -> list[str]:
    return [_norm(q["epcClass"]) or "" for name in fields for q in event.get(name) or []]


def _utc(text: str) -> str:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC).isoformat()


def _ids(document: dict[str, Any]) -> list[str]:
    return [e["eventID"] for e in returned_events(document)]


def test_filters_select_the_matching_events(
    client: TestClient, agency_headers: dict[str, str]
) -> None:
    originals = _capture_all(client, agency_headers)
    everything = returned_events(query(client, agency_headers, perPage="100"))
    assert len(everything) == len(originals)

    def count(**params: str) -> int:
        return len(returned_events(query(client, agency_headers, perPage="100", **params)))

    assert count(eventType="AggregationEvent") == sum(
        e["type"] == "AggregationEvent" for e in originals
    )
    assert count(eventType="ObjectEvent|TransformationEvent") == sum(
        e["type"] in ("ObjectEvent", "TransformationEvent") for e in originals
    )
    assert count(EQ_bizStep="receiving") == sum(e.get("bizStep") == "receiving" for e in originals)
    assert count(EQ_bizStep="https://ref.gs1.org/cbv/BizStep-receiving") == count(
        EQ_bizStep="receiving"
    )
    assert count(EQ_disposition="in_transit") == sum(
        e.get("disposition") == "in_transit" for e in originals
    )
    # Expected counts come from the oracle's own identifier normaliser.
    for value in ("urn:epc:id:sgln:0614141.00888.0", "https://id.gs1.org/414/0614141008889"):
        expected = sum(
            _norm((e.get("bizLocation") or {}).get("id")) == _norm(value) for e in originals
        )
        assert count(EQ_bizLocation=value) == expected > 0
    value = "urn:epc:id:sgln:0614141.07346.1234"
    expected = sum(_norm((e.get("readPoint") or {}).get("id")) == _norm(value) for e in originals)
    assert count(EQ_readPoint=value) == expected > 0
    for name, fields in (
        ("MATCH_epc", ("epcList", "childEPCs")),
        ("MATCH_anyEPC", ("epcList", "childEPCs", "parentID", "inputEPCList", "outputEPCList")),
        ("MATCH_inputEPC", ("inputEPCList",)),
    ):
        for value in (
            "urn:epc:id:sgtin:0614141.107346.2018",
            "https://id.gs1.org/01/70614141123451/21/2018",
            "urn:epc:id:sscc:0614141.1234567890",
            "urn:epc:id:sgtin:4012345.011122.25",
        ):
            expected = sum(_norm(value) in _identifiers(e, fields) for e in originals)
            assert count(**{name: value}) == expected, (name, value)
    for name, fields in (
        ("MATCH_epcClass", ("quantityList", "childQuantityList")),
        ("MATCH_inputEPCClass", ("inputQuantityList",)),
        ("MATCH_outputEPCClass", ("outputQuantityList",)),
        (
            "MATCH_anyEPCClass",
            ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"),
        ),
    ):
        for value in (
            "urn:epc:class:lgtin:4012345.012345.998877",
            "urn:epc:class:lgtin:4012345.011111.4444",
            "https://id.gs1.org/01/04012345123456",
        ):
            expected = sum(
                any(
                    c == _norm(value) or c.startswith(_norm(value) + "/")
                    for c in _classes(e, fields)
                )
                for e in originals
            )
            assert count(**{name: value}) == expected, (name, value)
    assert count(MATCH_epcClass="urn:epc:class:lgtin:4012345.012345.998877") > 0
    since, until = "2013-01-01T00:00:00+00:00", "2014-01-01T00:00:00+00:00"
    expected = sum(since <= _utc(e["eventTime"]) < until for e in originals)
    assert count(GE_eventTime=since, LT_eventTime=until) == expected > 0
    some_id = everything[0]["eventID"]
    assert _ids(query(client, agency_headers, EQ_eventID=some_id)) == [some_id]


def test_pages_follow_the_link_header(client: TestClient, agency_headers: dict[str, str]) -> None:
    originals = _capture_all(client, agency_headers)
    seen: list[str] = []
    url: str | None = "/epcis/events?perPage=3"
    pages = 0
    while url:
        response = client.get(url, headers=agency_headers)
        assert response.status_code == 200
        assert not list(VALIDATOR.iter_errors(response.json()))
        seen.extend(_ids(response.json()))
        link = response.headers.get("link")
        url = link.split(";")[0].strip("<>") if link else None
        assert link is None or 'rel="next"' in link
        pages += 1
    assert pages == -(-len(originals) // 3)
    assert len(seen) == len(set(seen)) == len(originals)
    times = [e["eventTime"] for e in returned_events(query(client, agency_headers, perPage="100"))]
    assert len(times) == len(originals)


def test_bad_query_parameters_are_refused(
    client: TestClient, agency_headers: dict[str, str]
) -> None:
    for params in (
        {"perPage": "0"},
        {"GE_eventTime": "yesterday"},
        {"nextPageToken": "x!"},
        {"EQ_bizStepp": "shipping"},
        {"MATCH_epc": "https://id.gs1.org/01/70614141123452/21/1"},
        {"orderBy": "bizStep"},
        {"orderBy": "eventTime", "orderDirection": "UP"},
        {"eventCountLimit": "0"},
        {"maxEventCount": "-1"},
        {"EQ_quantity": "many"},
        {"GT_quantity": "NaN"},
        {"GE_minValue_CEL": "hot"},
        {"EQ_booleanValue": "maybe"},
        {"WD_bizLocation": "https://id.gs1.org/414/0614141008888"},
    ):
        response = client.get("/epcis/events", params=params, headers=agency_headers)
        assert response.status_code == 400, params
        error = response.json()["errors"][0]
        assert error["field"] in params and error["message_vi"] and error["message_en"], params


def test_discovery_listings(client: TestClient, agency_headers: dict[str, str]) -> None:
    originals = _capture_all(client, agency_headers)
    steps = client.get("/epcis/bizSteps", headers=agency_headers).json()
    assert steps["type"] == "Collection" and "commissioning" in steps["member"]
    assert "http://epcis.example.org/hc/bizstep/summarising_discharge" in steps["member"]
    types = client.get("/epcis/eventTypes", headers=agency_headers).json()["member"]
    assert set(types) >= {"ObjectEvent", "AggregationEvent", "TransformationEvent"}
    places = client.get("/epcis/bizLocations", headers=agency_headers).json()["member"]
    assert "https://id.gs1.org/414/0614141008889" in places
    assert "recalled" in client.get("/epcis/dispositions", headers=agency_headers).json()["member"]
    epc = "urn:epc:id:sgtin:0614141.107346.2017"
    by_epc = client.get(f"/epcis/epcs/{epc}/events", headers=agency_headers)
    expected = sum(
        _norm(epc)
        in _identifiers(e, ("epcList", "childEPCs", "parentID", "inputEPCList", "outputEPCList"))
        for e in originals
    )
    assert by_epc.status_code == 200 and len(returned_events(by_epc.json())) == expected > 0
    receiving = client.get("/epcis/bizSteps/receiving/events", headers=agency_headers).json()
    assert {e["bizStep"] for e in returned_events(receiving)} == {"receiving"}


def test_enterprise_sees_only_events_that_concern_it(
    client: TestClient, agency_headers: dict[str, str], db_session: Session
) -> None:
    _capture_all(client, agency_headers)
    outsider = make_enterprise(db_session)
    headers = api_headers(db_session, role=Role.enterprise, enterprise=outsider)
    assert returned_events(query(client, headers)) == []
    assert client.get("/epcis/capture/nope", headers=headers).status_code == 404
    assert json.loads(client.get("/epcis/bizLocations", headers=headers).text)["member"] == []
