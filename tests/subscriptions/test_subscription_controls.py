"""Subscribing: what the binding asks of a subscription, and what an attacker may not make
the registry do with one (call its own network), each refused with 400 and nothing kept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine

from tests.app_under_test import savepoint_on, session_on
from tests.subscriptions.world import SUBSCRIPTION_TABLES, World, build_world, table_rows

PUBLIC = "http://93.184.215.14/hook"  # a public address, given literally: nothing resolved


@pytest.fixture(scope="module")
def built(engine: Engine) -> Iterator[tuple[World, Connection]]:
    """The world (two enterprises with keys) once for the module's 39 tests on a database,
    in a transaction the module's end rolls back; each test runs in a savepoint of it."""
    with engine.connect() as connection:
        transaction = connection.begin()
        session = session_on(connection)
        yield build_world(session), connection
        session.close()
        transaction.rollback()


@pytest.fixture
def connection(built: tuple[World, Connection]) -> Iterator[Connection]:
    yield from savepoint_on(built[1])


@pytest.fixture
def world(built: tuple[World, Connection], client: TestClient) -> World:
    world = built[0]
    made = client.post("/epcis/queries", json={"name": "q", "query": {}}, headers=world.a.headers)
    assert made.status_code == 201
    return world


def _subscribe(client: TestClient, headers: dict[str, str], body: Any) -> Any:
    return client.post("/epcis/queries/q/subscriptions", json=body, headers=headers)


@pytest.mark.parametrize(
    "dest",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://2130706433/hook",  # 127.0.0.1 written as one number
        "http://10.0.0.5/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
        "ftp://93.184.215.14/hook",
        "file:///etc/passwd",
        "gopher://93.184.215.14:6379/_INFO",
        "http://user:secret@93.184.215.14/hook",
        "http://93.184.215.14:99999/hook",
        "http://93.184.215.14/hook#x",
        "http://93.184.215.14/ho ok",
        "http:///hook",
        "http://" + "a" * 2000 + ".vn/",
        "",
        42,
    ],
)
def test_dest_must_be_a_public_http_url(
    client: TestClient, world: World, connection: Connection, dest: Any
) -> None:
    before = table_rows(connection, *SUBSCRIPTION_TABLES)
    answer = _subscribe(client, world.a.headers, {"dest": dest, "stream": True})
    assert answer.status_code == 400, answer.text
    problem = answer.json()
    assert problem["type"] == "epcisException:SubscriptionControlsException"
    assert problem["errors"][0]["field"] == "dest"
    assert problem["message_vi"] and problem["message_en"]
    assert table_rows(connection, *SUBSCRIPTION_TABLES) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"dest": PUBLIC}, "stream"),
        ({"dest": PUBLIC, "stream": False}, "stream"),
        ({"dest": PUBLIC, "stream": True, "schedule": {"minute": "5"}}, "stream"),
        ({"dest": PUBLIC, "stream": "yes"}, "stream"),
        ({"dest": PUBLIC, "schedule": {"hour": "24"}}, "schedule.hour"),
        ({"dest": PUBLIC, "schedule": {"minute": "five"}}, "schedule.minute"),
        ({"dest": PUBLIC, "schedule": {"fortnight": "1"}}, "schedule.fortnight"),
        ({"dest": PUBLIC, "schedule": {"dayOfMonth": "31", "month": "2"}}, "schedule"),
        ({"dest": PUBLIC, "schedule": "daily"}, "schedule"),
        ({"dest": PUBLIC, "schedule": {"hour": "1"}, "reportIfEmpty": "yes"}, "reportIfEmpty"),
        ({"dest": PUBLIC, "stream": True, "signatureToken": "x" * 257}, "signatureToken"),
        ({"dest": PUBLIC, "stream": True, "signatureToken": 7}, "signatureToken"),
        ({"dest": PUBLIC, "stream": True, "initialRecordTime": "hôm qua"}, "initialRecordTime"),
        (
            {"dest": PUBLIC, "stream": True, "initialRecordTime": "2026-01-01T00:00:00"},
            "initialRecordTime",
        ),
        ({"dest": PUBLIC, "stream": True, "secret": "x"}, "secret"),
    ],
)
def test_subscription_controls_are_checked(
    client: TestClient, world: World, connection: Connection, body: Any, field: str
) -> None:
    before = table_rows(connection, *SUBSCRIPTION_TABLES)
    answer = _subscribe(client, world.a.headers, body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["type"] == "epcisException:SubscriptionControlsException"
    assert answer.json()["errors"][0]["field"] == field
    assert table_rows(connection, *SUBSCRIPTION_TABLES) == before


def test_subscriptions_are_listed_shown_and_ended_by_their_owner_only(
    client: TestClient, world: World
) -> None:
    a, b = world.a.headers, world.b.headers
    scheduled = {
        "dest": PUBLIC,
        "signatureToken": "bí mật",
        "reportIfEmpty": True,
        "schedule": {"hour": "1", "minute": "5"},
    }
    made = _subscribe(client, a, scheduled)
    assert made.status_code == 201, made.text
    subscription = made.json()
    path = f"/epcis/queries/q/subscriptions/{subscription['subscriptionID']}"
    assert made.headers["location"] == path
    assert subscription["schedule"] == {"hour": "1", "minute": "5"}
    assert subscription["reportIfEmpty"] is True and subscription["dest"] == PUBLIC
    streaming = _subscribe(client, a, {"dest": PUBLIC, "stream": True}).json()
    assert streaming["stream"] is True
    listed = client.get("/epcis/queries/q/subscriptions", headers=a).json()
    assert [s["subscriptionID"] for s in listed] == [
        subscription["subscriptionID"],
        streaming["subscriptionID"],
    ]
    shown = client.get(path, headers=a)
    assert shown.json() == subscription and "bí mật" not in shown.text
    assert client.get(path, headers=b).status_code == 404
    assert client.delete(path, headers=b).status_code == 404
    assert client.delete(path, headers=a).status_code == 204
    assert client.get(path, headers=a).status_code == 404
    # Deleting the query ends its subscriptions too.
    assert client.delete("/epcis/queries/q", headers=a).status_code == 204
    assert (
        client.post("/epcis/queries", json={"name": "q", "query": {}}, headers=a).status_code == 201
    )
    assert client.get("/epcis/queries/q/subscriptions", headers=a).json() == []


def test_the_number_of_subscriptions_is_limited(
    client: TestClient, world: World, connection: Connection, app: Any
) -> None:
    state = app.state.truyxuat
    state.settings = state.settings.model_copy(update={"subscriptions_max": 1})
    assert _subscribe(client, world.a.headers, {"dest": PUBLIC, "stream": True}).status_code == 201
    before = table_rows(connection, *SUBSCRIPTION_TABLES)
    second = _subscribe(client, world.a.headers, {"dest": PUBLIC, "stream": True})
    assert second.status_code == 400
    assert second.json()["type"] == "epcisException:SubscriptionControlsException"
    assert table_rows(connection, *SUBSCRIPTION_TABLES) == before


def test_allowed_networks_let_a_local_receiver_in(
    client: TestClient, world: World, app: Any
) -> None:
    state = app.state.truyxuat
    state.settings = state.settings.model_copy(update={"webhook_allowed_networks": "127.0.0.0/8"})
    local = {"dest": "http://127.0.0.1:8080/hook", "stream": True}
    assert _subscribe(client, world.a.headers, local).status_code == 201
    private = {"dest": "http://10.0.0.5/hook", "stream": True}
    assert _subscribe(client, world.a.headers, private).status_code == 400
