"""Webhook subscriptions against the real app (uvicorn, its delivery worker, worker-process
captures) over a committed database of each backend, and a real HTTP receiver."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import httpx
from sqlalchemy import update

from registry.accounts.models import ApiKey
from registry.db import unit_of_work, utcnow
from registry.subscriptions.models import NamedQuery, Subscription
from tests.live_app import free_port
from tests.subscriptions.live import (
    FIRST_RETRY_SECONDS,
    MAX_ATTEMPTS,
    TOKEN,
    DeliveryClock,
    Live,
    delivery_clock,
)
from tests.subscriptions.receiver import Receiver, wait_for
from tests.subscriptions.world import inspection

# How far short of a back-off's end the clock is first moved: well above the databases'
# microsecond precision.
JUST_SHORT = dt.timedelta(milliseconds=1)


def _signed(body: bytes) -> str:
    return "sha256=" + hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()


def test_a_captured_event_is_delivered_once_and_signed(live: Live, receiver: Receiver) -> None:
    subscription_id = live.subscribe("giao-mot-lan", receiver.url)
    wanted = live.capture(live.world.a)
    live.capture(live.world.a, biz_step="storing")  # not what the query asks for
    live.capture(live.world.b)  # B's: not A's to see
    live.caught_up(subscription_id)
    live.quiet()
    assert [d.event_ids for d in receiver.deliveries] == [[wanted]]
    delivery = receiver.deliveries[0]
    assert delivery.path == "/hooks/epcis?from=truyxuat"
    assert delivery.headers["GS1-Signature"] == _signed(delivery.body)
    results = delivery.document["epcisBody"]["queryResults"]
    assert results["queryName"] == "giao-mot-lan"
    assert results["subscriptionID"] == subscription_id
    shown = httpx.get(
        f"{live.url}/epcis/queries/giao-mot-lan/subscriptions/{subscription_id}",
        headers=live.world.a.headers,
    )
    assert shown.json()["lastNotifiedAt"] and TOKEN not in shown.text


def test_a_receiver_that_was_down_gets_the_events_once_it_is_back(live: Live) -> None:
    port = free_port()
    receiver = Receiver(port)
    subscription_id = live.subscribe("tam-nghi", receiver.url)
    first = live.capture(live.world.a)
    wait_for(lambda: (live.subscription(subscription_id) or Subscription()).attempts)
    second = live.capture(live.world.a)  # stored while the receiver is still down
    receiver.start()
    try:
        live.caught_up(subscription_id)
        live.quiet()
        delivered = [event_id for d in receiver.deliveries for event_id in d.event_ids]
        assert sorted(delivered) == sorted([first, second])
        assert all(d.headers["GS1-Signature"] == _signed(d.body) for d in receiver.deliveries)
        assert live.dead_letters(subscription_id) == []
    finally:
        receiver.stop()


def test_a_refused_batch_becomes_a_dead_letter_and_later_events_still_flow(
    live: Live, receiver: Receiver
) -> None:
    receiver.status = 410
    subscription_id = live.subscribe("bi-tu-choi", receiver.url)
    refused = live.capture(live.world.a)
    wait_for(lambda: live.dead_letters(subscription_id))
    [letter] = live.dead_letters(subscription_id)
    assert letter.event_ids == [refused] and "410" in letter.last_error
    assert len(receiver.deliveries) == 1  # a 410 is not retried
    receiver.status = 200
    later = live.capture(live.world.a)
    wait_for(lambda: len(receiver.deliveries) == 2)
    assert receiver.deliveries[1].event_ids == [later]


def test_a_failing_receiver_is_retried_with_back_off_then_dead_lettered(
    live: Live, receiver: Receiver
) -> None:
    receiver.status = 503
    subscription_id = live.subscribe("luon-loi", receiver.url)
    with delivery_clock() as clock:
        failing = live.capture(live.world.a)
        for attempt in range(1, MAX_ATTEMPTS):
            wait_for(lambda failed=attempt: _failed_attempts(live, subscription_id) == failed)
            # Back-off: FIRST_RETRY_SECONDS before the first retry, doubling after each failure.
            back_off = dt.timedelta(seconds=FIRST_RETRY_SECONDS * 2 ** (attempt - 1))
            _sent_exactly_at(clock.now + back_off, live, clock, receiver, what=f"retry {attempt}")
        wait_for(lambda: live.dead_letters(subscription_id))
    [letter] = live.dead_letters(subscription_id)
    assert letter.event_ids == [failing] and letter.attempts == MAX_ATTEMPTS
    assert "503" in letter.last_error
    assert len(receiver.deliveries) == MAX_ATTEMPTS
    assert all(d.event_ids == [failing] for d in receiver.deliveries)
    assert len({d.headers["Idempotency-Key"] for d in receiver.deliveries}) == 1


def _sent_exactly_at(
    due: dt.datetime, live: Live, clock: DeliveryClock, receiver: Receiver, *, what: str
) -> None:
    """With the worker's clock just short of `due`, nothing more is sent; at `due`, one."""
    sent = len(receiver.deliveries)
    clock.now = due - JUST_SHORT
    live.quiet()
    assert len(receiver.deliveries) == sent, f"{what} came early"
    clock.now = due
    live.quiet()
    sent_when_due = len(receiver.deliveries) - sent
    assert sent_when_due == 1, f"{what}: {sent_when_due} sent when due, not one"


def _failed_attempts(live: Live, subscription_id: str) -> int | None:
    """Failed attempts at the subscription's batch, once the last one is recorded."""
    subscription = live.subscription(subscription_id)
    if subscription is None or subscription.leased_until is not None:
        return None
    return subscription.attempts


def test_unsubscribing_stops_deliveries(live: Live, receiver: Receiver) -> None:
    subscription_id = live.subscribe("huy-theo-doi", receiver.url)
    live.capture(live.world.a)
    wait_for(lambda: receiver.deliveries)
    gone = httpx.delete(
        f"{live.url}/epcis/queries/huy-theo-doi/subscriptions/{subscription_id}",
        headers=live.world.a.headers,
    )
    assert gone.status_code == 204
    live.capture(live.world.a)
    live.quiet()
    assert len(receiver.deliveries) == 1
    assert live.subscription(subscription_id) is None


def test_a_schedule_reports_at_its_times_even_when_empty_if_asked(
    live: Live, receiver: Receiver
) -> None:
    with delivery_clock() as clock:
        # Every second (test_schedule.py reads the steps): due at each whole second.
        subscription_id = live.subscribe(
            "theo-lich", receiver.url, stream=False, schedule={"second": "0/1"}, reportIfEmpty=True
        )
        subscription = live.subscription(subscription_id)
        assert subscription is not None
        first = subscription.next_attempt_at
        assert first > clock.now and first.microsecond == 0, (first, clock.now)
        _sent_exactly_at(first, live, clock, receiver, what="the first report")
        assert receiver.deliveries[0].event_ids == []  # nothing new, reported all the same
        captured = live.capture(live.world.a)
        second = first + dt.timedelta(seconds=1)
        _sent_exactly_at(second, live, clock, receiver, what="the second report")
    assert receiver.deliveries[1].event_ids == [captured]
    assert live.subscription(subscription_id) is not None


def test_a_revoked_key_s_subscription_ends(live: Live, receiver: Receiver) -> None:
    subscription_id = live.subscribe("khoa-bi-thu-hoi", receiver.url)
    subscription = live.subscription(subscription_id)
    assert subscription is not None and subscription.api_key_id is not None
    with unit_of_work(live.sessions) as session:
        session.execute(
            update(ApiKey).where(ApiKey.id == subscription.api_key_id).values(revoked_at=utcnow())
        )
    try:
        # Another key of A captures: the revoked one can no longer.
        other = live.world.a_second_headers
        answer = live.post("/epcis/capture", other, inspection(live.world.a))
        assert answer.status_code == 202, answer.text
        wait_for(lambda: live.subscription(subscription_id) is None)
        live.quiet()
        assert receiver.deliveries == []
    finally:
        with unit_of_work(live.sessions) as session:
            session.execute(
                update(ApiKey).where(ApiKey.id == subscription.api_key_id).values(revoked_at=None)
            )


def test_a_subscription_that_cannot_be_served_holds_up_no_other(
    live: Live, receiver: Receiver
) -> None:
    broken = live.subscribe("hong", receiver.url)
    with unit_of_work(live.sessions) as session:
        # A query kept before a parameter was withdrawn, say: it no longer reads.
        session.execute(
            update(NamedQuery).where(NamedQuery.name == "hong").values(query={"EQ_colour": ["do"]})
        )
    working = live.subscribe("lanh", receiver.url)
    captured = live.capture(live.world.a)
    live.caught_up(working)
    live.quiet()
    assert [d.event_ids for d in receiver.deliveries] == [[captured]]
    assert receiver.deliveries[0].document["epcisBody"]["queryResults"]["subscriptionID"] == working
    set_aside = live.subscription(broken)
    assert set_aside is not None and "EQ_colour" in (set_aside.last_error or "")
