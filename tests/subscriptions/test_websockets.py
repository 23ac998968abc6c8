"""WebSocket subscriptions (GET /epcis/queries/{name}/events with Upgrade) against the
served app on both databases, with the `websockets` client."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from registry.db import unit_of_work, utcnow
from registry.subscriptions.models import Subscription
from tests.subscriptions.live import Live
from tests.subscriptions.receiver import wait_for

WAIT_SECONDS = 30
# Once the socket has looked for due work QUIET_LOOKS more times, whatever it found is on
# the wire: this long is for the client to read it off localhost.
ARRIVAL_SECONDS = 0.25
_names = itertools.count(1)


def _socket_url(live: Live, name: str, **parameters: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in parameters.items())
    return f"{live.url.replace('http://', 'ws://')}/epcis/queries/{name}/events?{query}"


def _named_query(live: Live, name: str, headers: dict[str, str] | None = None) -> None:
    body = {"name": name, "query": {"EQ_bizStep": ["inspecting"]}}
    answer = live.post("/epcis/queries", headers or live.world.a.headers, body)
    assert answer.status_code == 201, answer.text


def _event_ids(socket: ClientConnection) -> list[str]:
    document: dict[str, Any] = json.loads(socket.recv(timeout=WAIT_SECONDS))
    assert document["type"] == "EPCISQueryDocument"
    events = document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    return [e["eventID"] for e in events]


def _subscriptions(live: Live, name: str) -> list[dict[str, Any]]:
    answer = httpx.get(
        f"{live.url}/epcis/queries/{name}/subscriptions", headers=live.world.a.headers
    )
    listed: list[dict[str, Any]] = answer.json()
    return listed


def _nothing_more(live: Live, socket: ClientConnection, subscription_id: str) -> None:
    """The socket has sent what is stored, and sends nothing more of it."""
    live.caught_up(subscription_id)
    live.quiet(subscription_id)
    with pytest.raises(TimeoutError):
        socket.recv(timeout=ARRIVAL_SECONDS)


def test_a_stream_sends_each_matching_event_once(live: Live) -> None:
    _named_query(live, "song-truc-tiep")
    url = _socket_url(live, "song-truc-tiep", stream="true")
    with connect(url, additional_headers=live.world.a.headers) as socket:
        wait_for(lambda: _subscriptions(live, "song-truc-tiep"))
        [subscription] = _subscriptions(live, "song-truc-tiep")
        first = live.capture(live.world.a)
        assert _event_ids(socket) == [first]
        live.capture(live.world.a, biz_step="storing")  # not what the query asks for
        live.capture(live.world.b)  # B's: not A's to see
        second = live.capture(live.world.a)
        assert _event_ids(socket) == [second]
        _nothing_more(live, socket, subscription["subscriptionID"])


def test_a_subscriber_that_reconnects_gets_what_it_missed_once(live: Live) -> None:
    _named_query(live, "noi-lai")
    headers = live.world.a.headers
    with connect(_socket_url(live, "noi-lai", stream="true"), additional_headers=headers) as socket:
        wait_for(lambda: _subscriptions(live, "noi-lai"))
        [subscription] = _subscriptions(live, "noi-lai")
        seen = live.capture(live.world.a)
        assert _event_ids(socket) == [seen]
        # While it is open, no one else takes it up.
        with pytest.raises(InvalidStatus) as taken:
            connect(
                _socket_url(live, "noi-lai", subscriptionID=subscription["subscriptionID"]),
                additional_headers=headers,
            )
        assert taken.value.response.status_code == 400
    # Briefly unreachable: what is stored meanwhile waits for it.
    missed = [live.capture(live.world.a), live.capture(live.world.a)]
    resumed_url = _socket_url(live, "noi-lai", subscriptionID=subscription["subscriptionID"])
    with connect(resumed_url, additional_headers=headers) as socket:
        received = _event_ids(socket)
        while len(received) < len(missed):
            received += _event_ids(socket)
        assert received == missed
        _nothing_more(live, socket, subscription["subscriptionID"])
    assert [s["subscriptionID"] for s in _subscriptions(live, "noi-lai")] == [
        subscription["subscriptionID"]
    ]
    # Not taken up again within its grace: the delivery worker ends it.
    with unit_of_work(live.sessions) as session:
        session.execute(
            update(Subscription)
            .where(Subscription.id == subscription["subscriptionID"])
            .values(leased_until=utcnow() - dt.timedelta(seconds=1))
        )
    wait_for(lambda: _subscriptions(live, "noi-lai") == [])


def test_deleting_the_query_closes_its_sockets(live: Live) -> None:
    _named_query(live, "xoa-di")
    with connect(
        _socket_url(live, "xoa-di", stream="true"), additional_headers=live.world.a.headers
    ) as socket:
        wait_for(lambda: _subscriptions(live, "xoa-di"))
        gone = httpx.delete(f"{live.url}/epcis/queries/xoa-di", headers=live.world.a.headers)
        assert gone.status_code == 204
        with pytest.raises(ConnectionClosed):
            socket.recv(timeout=WAIT_SECONDS)


@pytest.mark.parametrize(
    ("headers", "parameters", "status", "exception"),
    [
        ({}, {"stream": "true"}, 401, "SecurityException"),
        ({"Authorization": "Bearer tx_nope_nope"}, {"stream": "true"}, 401, "SecurityException"),
        ("b", {"stream": "true"}, 404, "NoSuchNameException"),
        ("a", {}, 400, "SubscriptionControlsException"),
        ("a", {"stream": "true", "minute": "5"}, 400, "SubscriptionControlsException"),
        ("a", {"hour": "99"}, 400, "SubscriptionControlsException"),
        ("a", {"stream": "true", "dest": "http://10.0.0.1/"}, 400, "SubscriptionControlsException"),
    ],
)
def test_a_socket_that_may_not_be_opened_is_refused_at_the_handshake(
    live: Live, headers: Any, parameters: dict[str, str], status: int, exception: str
) -> None:
    name = f"tu-choi-{next(_names)}"
    _named_query(live, name)
    parties = {"a": live.world.a.headers, "b": live.world.b.headers}
    sent = parties[headers] if isinstance(headers, str) else headers
    with pytest.raises(InvalidStatus) as refused:
        connect(_socket_url(live, name, **parameters), additional_headers=sent)
    response = refused.value.response
    assert response.status_code == status
    assert json.loads(response.body)["type"] == f"epcisException:{exception}"
    assert _subscriptions(live, name) == []


def test_a_browser_session_cookie_opens_no_socket(live: Live) -> None:
    _named_query(live, "khong-cookie")
    with pytest.raises(InvalidStatus) as refused:
        connect(
            _socket_url(live, "khong-cookie", stream="true"),
            additional_headers={"Cookie": "truyxuat_session=anything"},
        )
    assert refused.value.response.status_code == 401
