"""Named queries (/epcis/queries): kept per enterprise, run as the caller's events query."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from tests.events.test_capture import VALIDATOR, capture, query, returned_events
from tests.subscriptions.world import (
    SUBSCRIPTION_TABLES,
    World,
    build_world,
    inspection,
    table_rows,
)


@pytest.fixture
def world(db_session: Session) -> World:
    return build_world(db_session)


def _create(client: TestClient, headers: dict[str, str], body: Any) -> Any:
    return client.post("/epcis/queries", json=body, headers=headers)


def _ids(document: dict[str, Any]) -> list[str]:
    return [e["eventID"] for e in returned_events(document)]


def test_named_query_returns_what_the_same_events_query_returns(
    client: TestClient, world: World
) -> None:
    a = world.a.headers
    for party, step in ((world.a, "inspecting"), (world.a, "storing"), (world.b, "inspecting")):
        assert capture(client, party.headers, inspection(party, biz_step=step)).status_code == 202
    definition = {
        "name": "kiem-tra",
        "query": {"EQ_bizStep": ["inspecting"], "eventType": ["ObjectEvent"]},
    }
    created = _create(client, a, definition)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/epcis/queries/kiem-tra"
    assert client.get("/epcis/queries/kiem-tra", headers=a).json() == definition
    assert client.get("/epcis/queries", headers=a).json() == [definition]

    answer = client.get("/epcis/queries/kiem-tra/events", headers=a)
    assert answer.status_code == 200
    assert not list(VALIDATOR.iter_errors(answer.json()))
    expected = query(client, a, EQ_bizStep="inspecting", eventType="ObjectEvent")
    # A's own inspection only: B's is not A's to see, A's storing does not match.
    assert _ids(answer.json()) == _ids(expected) and len(_ids(expected)) == 1
    # Paging works as on /events.
    paged = client.get("/epcis/queries/kiem-tra/events", params={"perPage": "1"}, headers=a)
    assert _ids(paged.json()) == _ids(expected)


def test_another_enterprise_or_the_agency_does_not_see_the_query(
    client: TestClient, world: World, connection: Connection
) -> None:
    assert _create(client, world.a.headers, {"name": "cua-a", "query": {}}).status_code == 201
    before = table_rows(connection, *SUBSCRIPTION_TABLES)
    for headers in (world.b.headers, world.agency_headers):
        for method, path in (
            ("GET", "/epcis/queries/cua-a"),
            ("GET", "/epcis/queries/cua-a/events"),
            ("GET", "/epcis/queries/cua-a/subscriptions"),
            ("DELETE", "/epcis/queries/cua-a"),
        ):
            answer = client.request(method, path, headers=headers)
            if method == "DELETE" and headers is world.agency_headers:
                assert answer.status_code == 403  # a read-only key writes nothing
                continue
            assert answer.status_code == 404, (method, path, answer.text)
            assert answer.json()["type"] == "epcisException:NoSuchNameException"
        assert client.get("/epcis/queries", headers=headers).json() == []
    # B may use the same name in its own namespace.
    assert _create(client, world.b.headers, {"name": "cua-a", "query": {}}).status_code == 201
    assert table_rows(connection, "epcis_named_query") != before["epcis_named_query"]
    assert client.get("/epcis/queries/cua-a", headers=world.a.headers).status_code == 200


def test_deleting_a_query_removes_it(client: TestClient, world: World) -> None:
    a = world.a.headers
    assert _create(client, a, {"name": "tam", "query": {}}).status_code == 201
    assert client.delete("/epcis/queries/tam", headers=a).status_code == 204
    assert client.get("/epcis/queries/tam", headers=a).status_code == 404
    assert client.delete("/epcis/queries/tam", headers=a).status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "exception"),
    [
        (
            {"name": "x", "query": {"EQ_bizStep": ["shipping"], "GE_eventTime": "hôm qua"}},
            "GE_eventTime",
            "ValidationException",
        ),
        ({"name": "x", "query": {"EQ_colour": ["red"]}}, "EQ_colour", "ValidationException"),
        ({"name": "x", "query": {"perPage": 5}}, "query.perPage", "ValidationException"),
        (
            {"name": "x", "query": {"MATCH_epc": [{"id": 1}]}},
            "query.MATCH_epc",
            "ValidationException",
        ),
        ({"name": "x", "query": {"eventType": ["A|B"]}}, "query.eventType", "ValidationException"),
        (
            {"name": "x", "query": {"MATCH_epc": ["u"] * 1001}},
            "query.MATCH_epc",
            "ValidationException",
        ),
        (
            {"name": "x", "query": {f"EXISTS_f{i}": None for i in range(61)}},
            "query",
            "ValidationException",
        ),
        ({"name": "có dấu", "query": {}}, "name", "ValidationException"),
        ({"name": "a" * 101, "query": {}}, "name", "ValidationException"),
        ({"name": "x"}, "query", "ValidationException"),
        ({"name": "x", "query": [], "extra": 1}, "extra", "ValidationException"),
        ({"name": "x", "query": []}, "query", "ValidationException"),
        ([], None, "ValidationException"),
    ],
)
def test_bad_definitions_are_refused_naming_the_parameter(
    client: TestClient,
    world: World,
    connection: Connection,
    body: Any,
    field: str | None,
    exception: str,
) -> None:
    before = table_rows(connection, *SUBSCRIPTION_TABLES)
    answer = _create(client, world.a.headers, body)
    assert answer.status_code == 400, answer.text
    problem = answer.json()
    assert problem["type"] == f"epcisException:{exception}"
    assert problem.get("errors", [{}])[0].get("field") == field
    assert problem["message_vi"] and problem["message_en"]
    assert problem["instance"].startswith("https://")
    assert table_rows(connection, *SUBSCRIPTION_TABLES) == before


def test_bodies_that_are_not_small_json_are_refused(
    client: TestClient, world: World, connection: Connection
) -> None:
    a = world.a.headers
    before = table_rows(connection, *SUBSCRIPTION_TABLES)
    not_json = client.post(
        "/epcis/queries", content=b"{", headers={**a, "Content-Type": "application/json"}
    )
    assert not_json.status_code == 400
    form = client.post(
        "/epcis/queries", content=b"name=x", headers={**a, "Content-Type": "text/plain"}
    )
    assert form.status_code == 415
    assert form.json()["type"] == "epcisException:UnsupportedMediaTypeException"
    huge = {
        "name": "x",
        "query": {"MATCH_epc": ["urn:epc:id:sgtin:0614141.107346.2018" * 10] * 200},
    }
    too_large = _create(client, a, huge)
    assert too_large.status_code == 413
    assert too_large.json()["type"] == "epcisException:QueryTooLargeException"
    assert table_rows(connection, *SUBSCRIPTION_TABLES) == before


def test_names_are_unique_per_enterprise_and_their_number_limited(
    client: TestClient, world: World, connection: Connection, app: Any
) -> None:
    a = world.a.headers
    assert _create(client, a, {"name": "mot", "query": {}}).status_code == 201
    again = _create(client, a, {"name": "mot", "query": {"eventType": ["ObjectEvent"]}})
    assert again.status_code == 409
    assert again.json()["type"] == "epcisException:ResourceAlreadyExistsException"
    app.state.truyxuat.settings = app.state.truyxuat.settings.model_copy(
        update={"named_queries_max": 2}
    )
    assert _create(client, a, {"name": "hai", "query": {}}).status_code == 201
    before = table_rows(connection, *SUBSCRIPTION_TABLES)
    third = _create(client, a, {"name": "ba", "query": {}})
    assert third.status_code == 400 and third.json()["errors"][0]["field"] == "name"
    assert "2" in third.json()["message_en"]
    assert table_rows(connection, *SUBSCRIPTION_TABLES) == before


def test_without_a_key_nothing_is_shown_or_kept(client: TestClient, world: World) -> None:
    assert client.get("/epcis/queries").status_code == 401
    assert client.post("/epcis/queries", json={"name": "x", "query": {}}).status_code == 401


def test_a_browser_may_ask_to_create_and_delete_queries_and_subscriptions(
    client: TestClient,
) -> None:
    for path, method in (
        ("/epcis/queries", "POST"),
        ("/epcis/queries/q", "DELETE"),
        ("/epcis/queries/q/subscriptions", "POST"),
        ("/epcis/queries/q/subscriptions/s", "DELETE"),
    ):
        answer = client.options(
            path,
            headers={"Origin": "https://partner.example", "Access-Control-Request-Method": method},
        )
        assert answer.status_code == 204
        assert method in answer.headers["access-control-allow-methods"]
