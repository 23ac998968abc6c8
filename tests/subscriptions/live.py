"""The real app for the subscription tests: uvicorn with its delivery worker and
worker-process captures, over a committed database of each backend."""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from registry.db import make_engine, make_sessionmaker, unit_of_work, utcnow
from registry.events.query import last_event_pk
from registry.subscriptions import delivery, worker
from registry.subscriptions.models import DeadLetter, Subscription
from registry.subscriptions.worker import DeliveryWorker
from service.epcis import query_sockets
from tests.live_app import free_port, served_app
from tests.subscriptions.receiver import Receiver, wait_for
from tests.subscriptions.world import World, build_world, inspection

TOKEN = "13df38d8275b13f05704629e5f1cf3d45d6132d5"
# How many more times the delivery worker (or a socket) looks for due work before nothing
# more is expected: the first may have begun before the wait, the second sends whatever
# was due when the wait began, the third would send again what it failed to record as sent.
QUIET_LOOKS = 3
# The production schedule (first retry after 30 s, doubling, 8 attempts) scaled down: the
# seven waits of a batch that always fails would take 0.025 * (2**7 - 1) = 3.2 s (the
# back-off test moves the worker's clock instead: delivery_clock). Due work is looked for
# as often as the first retry, so each wait is the back-off's, not the poll's.
FIRST_RETRY_SECONDS = 0.025
MAX_ATTEMPTS = 8


@dataclass
class Live:
    url: str
    sessions: sessionmaker[Session]
    world: World
    looks: collections.Counter[str]
    """Finished looks for due work: the app's delivery worker's under its URL, each open
    socket's under its subscriptionID."""

    def post(self, path: str, headers: dict[str, str], body: Any) -> httpx.Response:
        return httpx.post(self.url + path, json=body, headers=headers, timeout=60)

    def capture(self, party: Any, **kwargs: str) -> str:
        """Capture one event of the party's lot; its eventID."""
        answer = self.post("/epcis/capture", party.headers, inspection(party, **kwargs))
        assert answer.status_code == 202, answer.text
        job = httpx.get(self.url + answer.headers["location"], headers=party.headers)
        assert job.json()["success"] is True, job.text
        found = httpx.get(
            self.url + "/epcis/events",
            params={"perPage": "1", "orderBy": "recordTime"},
            headers=party.headers,
        )
        event_id: str = found.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0][
            "eventID"
        ]
        return event_id

    def subscribe(self, name: str, dest: str, **controls: Any) -> str:
        headers = self.world.a.headers
        query = {"name": name, "query": {"EQ_bizStep": ["inspecting"]}}
        assert self.post("/epcis/queries", headers, query).status_code == 201
        body = {"dest": dest, "signatureToken": TOKEN, "stream": True, **controls}
        answer = self.post(f"/epcis/queries/{name}/subscriptions", headers, body)
        assert answer.status_code == 201, answer.text
        assert TOKEN not in answer.text
        subscription_id: str = answer.json()["subscriptionID"]
        return subscription_id

    def subscription(self, subscription_id: str) -> Subscription | None:
        with unit_of_work(self.sessions) as session:
            return session.get(Subscription, subscription_id)

    def quiet(self, looker: str | None = None) -> None:
        """Wait until the delivery worker (or the socket of subscriptionID `looker`) has
        looked for due work QUIET_LOOKS more times: what it would send of the events stored
        now, it has sent. Counting looks, not seconds, holds on a loaded machine too."""
        key = looker or self.url
        wanted = self.looks[key] + QUIET_LOOKS
        wait_for(lambda: self.looks[key] >= wanted)

    def caught_up(self, subscription_id: str) -> None:
        """Wait until the subscription has recorded every stored event as done (sent,
        not wanted, or kept as a dead letter) and no delivery holds it."""

        def done() -> bool:
            with unit_of_work(self.sessions) as session:
                subscription = session.get(Subscription, subscription_id)
                assert subscription is not None
                return (
                    subscription.cursor_event_pk == last_event_pk(session)
                    and subscription.leased_until is None
                )

        wait_for(done)

    def dead_letters(self, subscription_id: str) -> list[DeadLetter]:
        with unit_of_work(self.sessions) as session:
            statement = select(DeadLetter).where(DeadLetter.subscription_id == subscription_id)
            return list(session.scalars(statement))


@dataclass
class DeliveryClock:
    """The time as the delivery worker reads it: it stands still until the test moves it."""

    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now


@contextmanager
def delivery_clock() -> Iterator[DeliveryClock]:
    """While the block runs, due deliveries and back-offs are reckoned on a clock the test
    sets: a time is checked by setting the clock just short of it and then to it, not by
    waiting for it."""
    clock = DeliveryClock(utcnow())
    with pytest.MonkeyPatch.context() as patch:
        for module in (worker, delivery):
            patch.setattr(module, "utcnow", clock)
        yield clock


@pytest.fixture(scope="module")
def live(committed_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    engine = make_engine(committed_database_url)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as session:
        world = build_world(session)
    looks: collections.Counter[str] = collections.Counter()
    with (
        _counting_looks(looks),
        served_app(
            committed_database_url,
            secret_key="subscription-test-secret",
            data_dir=tmp_path_factory.mktemp("data"),
            # The receivers listen on 127.0.0.1: allowed here, refused by default.
            webhook_allowed_networks="127.0.0.0/8",
            subscription_poll_seconds=FIRST_RETRY_SECONDS,
            webhook_retry_seconds=FIRST_RETRY_SECONDS,
            webhook_max_attempts=MAX_ATTEMPTS,
        ) as url,
    ):
        yield Live(url, sessions, world, looks)
    engine.dispose()


@contextmanager
def _counting_looks(looks: collections.Counter[str]) -> Iterator[None]:
    """Count each look for due work of a delivery worker (under its app's URL) and of a
    WebSocket subscription (under its id) while the block runs."""
    deliver_due = DeliveryWorker.deliver_due
    next_batch = query_sockets._next

    def counted_deliver_due(worker: DeliveryWorker) -> int:
        try:
            return deliver_due(worker)
        finally:
            looks[worker._settings.base_url] += 1

    def counted_next(state: Any, subscription_id: str) -> Any:
        try:
            return next_batch(state, subscription_id)
        finally:
            looks[subscription_id] += 1

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DeliveryWorker, "deliver_due", counted_deliver_due)
        patch.setattr(query_sockets, "_next", counted_next)
        yield


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver(free_port()).start()
    yield started
    started.stop()
