"""What a subscription is sent next, and what becomes of it.

A delivery is three steps, so that no database transaction stays open while a
subscriber's server takes its time: `claim_batch` leases the subscription and builds the
next batch (events above its cursor that its query matches, as its subscriber may see
them); the batch is sent; `record_outcome` moves the cursor past the batch when it was
taken, or counts the failure, backs off and, after the last retry (or at once, when the
receiver refuses it for good), keeps the batch as a dead letter and moves on. The cursor
moves only from the value the batch was built from, so a batch is never recorded twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Final

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from registry.accounts.models import ApiKey, User
from registry.actor import Actor
from registry.db import utcnow
from registry.events.documents import query_document
from registry.events.query import EventQuery, events_after, last_event_pk
from registry.subscriptions.destinations import refused
from registry.subscriptions.models import ERROR_LENGTH, DeadLetter, NamedQuery, Subscription
from registry.subscriptions.named_queries import query_parameters
from registry.subscriptions.schedule import read_schedule

BATCH_EVENTS: Final = 100
# A worker that dies mid-delivery holds a subscription no longer than this.
LEASE: Final = dt.timedelta(seconds=120)
LONGEST_BACK_OFF: Final = dt.timedelta(hours=1)
RESUME_GRACE: Final = dt.timedelta(minutes=5)
SIGNATURE_HEADER: Final = "GS1-Signature"


@dataclass(frozen=True)
class Batch:
    subscription_id: str
    dest: str | None
    signature_token: str | None
    body: bytes | None
    """The EPCISQueryDocument to send; None when there is nothing to send."""
    event_ids: list[str]
    cursor_from: int
    cursor_to: int
    more: bool
    """More events wait above `cursor_to`: send again at once."""


def signature(token: str, body: bytes) -> str:
    """The GS1-Signature header of a delivery: HMAC-SHA256 of the body, keyed with the
    subscriber's signatureToken (the REST binding leaves the scheme to the server)."""
    return "sha256=" + hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


def subscriber(session: Session, subscription: Subscription) -> Actor | None:
    """Who the subscription acts as, or None once that key is revoked or user deactivated."""
    if subscription.api_key_id is not None:
        key = session.get(ApiKey, subscription.api_key_id)
        if key is None or key.revoked_at is not None:
            return None
    if subscription.user_id is not None:
        user = session.get(User, subscription.user_id)
        if user is None or not user.is_active:
            return None
    return Actor(
        role=subscription.role,
        label=subscription.actor_label,
        enterprise_id=subscription.enterprise_id,
        user_id=subscription.user_id,
        api_key_id=subscription.api_key_id,
        may_write=False,
    )


def due_webhooks(session: Session, *, now: dt.datetime) -> list[str]:
    """Webhook subscriptions whose time has come and that no worker holds: scheduled ones
    at their time, streaming ones when an event was stored above their cursor."""
    newest = last_event_pk(session)
    statement = select(Subscription.id).where(
        Subscription.kind == "webhook",
        Subscription.next_attempt_at <= now,
        or_(Subscription.leased_until.is_(None), Subscription.leased_until < now),
        or_(Subscription.stream.is_(False), Subscription.cursor_event_pk < newest),
    )
    return list(session.scalars(statement.order_by(Subscription.next_attempt_at)))


def lease(session: Session, *, subscription_id: str, now: dt.datetime) -> bool:
    """Take the subscription for one delivery; False when another worker has it."""
    taken = session.execute(
        update(Subscription)
        .where(
            Subscription.id == subscription_id,
            or_(Subscription.leased_until.is_(None), Subscription.leased_until < now),
        )
        .values(leased_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(taken, "rowcount", 0))


def build_batch(session: Session, subscription: Subscription, *, scheduled: bool) -> Batch | None:
    """The next batch of the subscription; None once its subscriber lost access (the
    subscription is then ended)."""
    actor = subscriber(session, subscription)
    named = session.get(NamedQuery, subscription.query_id)
    if actor is None or named is None:
        session.execute(delete(Subscription).where(Subscription.id == subscription.id))
        return None
    query = EventQuery.from_parameters(query_parameters(named.query))
    newest = last_event_pk(session)
    events = events_after(
        session,
        actor=actor,
        query=query,
        after_pk=subscription.cursor_event_pk,
        up_to_pk=newest,
        recorded_since=subscription.initial_record_time,
        limit=BATCH_EVENTS + 1,
    )
    more = len(events) > BATCH_EVENTS
    events = events[:BATCH_EVENTS]
    cursor_to = events[-1].id if more else max(newest, subscription.cursor_event_pk)
    body = None
    if events or (scheduled and subscription.report_if_empty):
        document = query_document(events, query_name=named.name)
        document["epcisBody"]["queryResults"]["subscriptionID"] = subscription.id
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return Batch(
        subscription_id=subscription.id,
        dest=subscription.dest,
        signature_token=subscription.signature_token,
        body=body,
        event_ids=[e.event_id for e in events],
        cursor_from=subscription.cursor_event_pk,
        cursor_to=cursor_to,
        more=more,
    )


def claim_batch(session: Session, *, subscription_id: str, now: dt.datetime) -> Batch | None:
    """Lease a due webhook subscription and build its batch (None: nothing for it now)."""
    if not lease(session, subscription_id=subscription_id, now=now):
        return None
    subscription = session.get(Subscription, subscription_id)
    if subscription is None:
        return None
    session.refresh(subscription)
    return build_batch(session, subscription, scheduled=subscription.schedule is not None)


def set_aside(session: Session, *, subscription_id: str, error: str) -> None:
    """A subscription that could not be served waits LONGEST_BACK_OFF, its error kept."""
    session.execute(
        update(Subscription)
        .where(Subscription.id == subscription_id)
        .values(
            leased_until=None,
            last_error=error[:ERROR_LENGTH],
            next_attempt_at=utcnow() + LONGEST_BACK_OFF,
        )
        .execution_options(synchronize_session=False)
    )


def _next_time(subscription: Subscription, now: dt.datetime, *, more: bool) -> dt.datetime:
    if subscription.schedule is None or more:
        return now
    return read_schedule(subscription.schedule).next_after(now) or now + LONGEST_BACK_OFF


def back_off(attempts: int, *, first: float) -> dt.timedelta:
    """first, 2·first, 4·first … after each failed attempt, at most LONGEST_BACK_OFF."""
    seconds = first * 2 ** min(attempts - 1, 30)
    return min(dt.timedelta(seconds=seconds), LONGEST_BACK_OFF)


def record_outcome(
    session: Session,
    *,
    batch: Batch,
    error: str | None,
    permanent: bool = False,
    retry_first_seconds: float,
    max_attempts: int,
) -> None:
    """Move on after a delivery (error None), or after giving up on it; else retry later."""
    subscription = session.get(Subscription, batch.subscription_id)
    if subscription is None or subscription.cursor_event_pk != batch.cursor_from:
        return  # unsubscribed meanwhile, or recorded already
    now = utcnow()
    subscription.leased_until = None
    if error is None:
        subscription.cursor_event_pk = batch.cursor_to
        subscription.attempts = 0
        subscription.last_error = None
        if batch.body is not None:
            subscription.last_notified_at = now
        subscription.next_attempt_at = _next_time(subscription, now, more=batch.more)
        return
    subscription.attempts += 1
    subscription.last_error = error[:ERROR_LENGTH]
    if not permanent and subscription.attempts < max_attempts:
        subscription.next_attempt_at = now + back_off(
            subscription.attempts, first=retry_first_seconds
        )
        return
    session.add(
        DeadLetter(
            subscription_id=subscription.id,
            owner=subscription.owner,
            dest=subscription.dest or "",
            event_ids=batch.event_ids,
            attempts=subscription.attempts,
            last_error=error[:ERROR_LENGTH],
            created_at=now,
        )
    )
    subscription.cursor_event_pk = batch.cursor_to
    subscription.attempts = 0
    subscription.next_attempt_at = _next_time(subscription, now, more=batch.more)


class SubscriptionEnded(Exception):
    """The subscription is gone: unsubscribed, its query deleted, or its subscriber's
    access withdrawn."""


def socket_batch(session: Session, *, subscription_id: str, now: dt.datetime) -> Batch | None:
    """The next batch of a WebSocket subscription, or None when it is not due yet."""
    subscription = session.get(Subscription, subscription_id)
    if subscription is None:
        raise SubscriptionEnded(subscription_id)
    if subscription.next_attempt_at > now:
        return None
    batch = build_batch(session, subscription, scheduled=subscription.schedule is not None)
    if batch is None:
        raise SubscriptionEnded(subscription_id)
    return batch


def end_subscription(session: Session, *, subscription_id: str) -> None:
    session.execute(delete(Subscription).where(Subscription.id == subscription_id))


def leave_socket(session: Session, *, subscription_id: str, now: dt.datetime) -> None:
    """A WebSocket subscription whose connection closed is kept, cursor and all, for
    RESUME_GRACE: a subscriber that reconnects with its subscriptionID misses nothing."""
    session.execute(
        update(Subscription)
        .where(Subscription.id == subscription_id)
        .values(leased_until=now + RESUME_GRACE)
        .execution_options(synchronize_session=False)
    )


def resume_socket(session: Session, *, subscription: Subscription, now: dt.datetime) -> None:
    """Take a left WebSocket subscription up again on a new connection."""
    left_until = subscription.leased_until
    if subscription.kind != "websocket" or left_until is None or left_until < now:
        raise refused(
            "subscriptionID",
            "Đăng ký này không thể nối lại: nó đang mở ở kết nối khác hoặc đã hết hạn.",
            "This subscription cannot be resumed: it is open on another connection or has expired.",
        )
    subscription.leased_until = None


def abandoned_sockets(session: Session, *, now: dt.datetime) -> list[str]:
    """WebSocket subscriptions left longer than RESUME_GRACE ago: to be ended."""
    statement = select(Subscription.id).where(
        Subscription.kind == "websocket", Subscription.leased_until < now
    )
    return list(session.scalars(statement))
