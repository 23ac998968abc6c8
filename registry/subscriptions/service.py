"""Subscribing to a named query, unsubscribing, and deleting a query with its subscriptions."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.db import utcnow
from registry.errors import NotFound
from registry.events.query import last_event_pk
from registry.subscriptions.destinations import IPNetwork, check_destination, refused
from registry.subscriptions.models import SIGNATURE_TOKEN_LENGTH, NamedQuery, Subscription
from registry.subscriptions.named_queries import owner_of
from registry.subscriptions.schedule import read_schedule

WEBHOOK: Final = "webhook"
WEBSOCKET: Final = "websocket"
_FIELDS: Final = frozenset(
    {"dest", "signatureToken", "stream", "schedule", "reportIfEmpty", "initialRecordTime"}
)


def _flag(body: Mapping[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise refused(name, f"{name} phải là true hoặc false.", f"{name} must be true or false.")
    return value


def _initial_record_time(given: object, now: dt.datetime) -> dt.datetime:
    if given is None:
        return now
    try:
        moment = dt.datetime.fromisoformat(given) if isinstance(given, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise refused(
            "initialRecordTime",
            "initialRecordTime phải là thời điểm ISO 8601 có múi giờ.",
            "initialRecordTime must be an ISO 8601 date-time with its offset.",
        )
    return moment.astimezone(dt.UTC)


def _count(session: Session, owner: str) -> int:
    statement = select(func.count()).select_from(Subscription).where(Subscription.owner == owner)
    return session.scalar(statement) or 0


def subscribe(
    session: Session,
    *,
    actor: Actor,
    query: NamedQuery,
    controls: Any,
    kind: str,
    allowed_networks: list[IPNetwork],
    most: int,
) -> Subscription:
    """A subscription to `query` acting as `actor`: a webhook (`dest`) or a WebSocket.

    It is sent what is recorded from now on (or from `initialRecordTime`), either as it
    comes (`stream`) or at the times of `schedule`; exactly one of the two is given.
    """
    if not isinstance(controls, Mapping):
        raise refused("", "Cần một đối tượng JSON.", "A JSON object is required.")
    unknown = sorted(set(controls) - _FIELDS)
    if unknown:
        raise refused(
            unknown[0], f"Trường không được nhận: {unknown[0]}.", f"Unknown field: {unknown[0]}."
        )
    stream = _flag(controls, "stream")
    report_if_empty = _flag(controls, "reportIfEmpty")
    if stream == ("schedule" in controls):
        raise refused(
            "stream",
            "Cần stream: true hoặc một schedule (không cả hai).",
            "Either stream: true or a schedule is required (not both).",
        )
    schedule = read_schedule(controls["schedule"]) if "schedule" in controls else None
    now = utcnow()
    dest = token = None
    if kind == WEBSOCKET and "dest" in controls:
        raise refused(
            "dest",
            "Đăng ký qua WebSocket nhận dữ liệu trên chính kết nối đó, không có dest.",
            "A WebSocket subscription is sent its results on its own connection: no dest.",
        )
    if kind == WEBHOOK:
        dest = controls.get("dest")
        check_destination(dest, allowed=allowed_networks)  # type: ignore[arg-type]
        token = controls.get("signatureToken")
        if token is not None and (
            not isinstance(token, str) or not 1 <= len(token) <= SIGNATURE_TOKEN_LENGTH
        ):
            raise refused(
                "signatureToken",
                f"signatureToken là chuỗi 1–{SIGNATURE_TOKEN_LENGTH} ký tự.",
                f"signatureToken is a string of 1–{SIGNATURE_TOKEN_LENGTH} characters.",
            )
    owner = owner_of(actor)
    if _count(session, owner) >= most:
        raise refused(
            "dest",
            f"Đã có {most} đăng ký theo dõi; hãy hủy bớt trước khi đăng ký thêm.",
            f"{most} subscriptions exist already; cancel one before subscribing again.",
        )
    subscription = Subscription(
        id=str(uuid.uuid4()),
        query_id=query.id,
        owner=owner,
        kind=kind,
        role=actor.role,
        enterprise_id=actor.enterprise_id,
        user_id=actor.user_id,
        api_key_id=actor.api_key_id,
        actor_label=actor.label,
        dest=dest,
        signature_token=token,
        stream=stream,
        schedule=dict(controls["schedule"]) if schedule is not None else None,
        report_if_empty=report_if_empty,
        initial_record_time=_initial_record_time(controls.get("initialRecordTime"), now),
        # Events stored before now are not news, unless initialRecordTime reaches back.
        cursor_event_pk=last_event_pk(session) if "initialRecordTime" not in controls else 0,
        created_at=now,
        next_attempt_at=now if schedule is None else (schedule.next_after(now) or now),
        attempts=0,
    )
    session.add(subscription)
    session.flush()
    return subscription


def subscriptions_of(session: Session, *, query: NamedQuery) -> list[Subscription]:
    statement = select(Subscription).where(Subscription.query_id == query.id)
    return list(session.scalars(statement.order_by(Subscription.created_at, Subscription.id)))


def find_subscription(session: Session, *, query: NamedQuery, subscription_id: str) -> Subscription:
    found = session.scalar(
        select(Subscription).where(
            Subscription.query_id == query.id, Subscription.id == subscription_id
        )
    )
    if found is None:
        raise NotFound("Không tìm thấy đăng ký theo dõi.", "Subscription not found.")
    return found


def unsubscribe(session: Session, *, subscription: Subscription) -> None:
    session.execute(delete(Subscription).where(Subscription.id == subscription.id))


def delete_named_query(session: Session, *, query: NamedQuery) -> None:
    """The query and every subscription to it (REST binding: forcibly unsubscribes)."""
    session.execute(delete(Subscription).where(Subscription.query_id == query.id))
    session.execute(delete(NamedQuery).where(NamedQuery.id == query.id))
