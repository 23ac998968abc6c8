"""Events others recorded about an enterprise's lots, and its flags to the agency.

Events belong to whoever recorded them, so an owner cannot remove another enterprise's
event from its lot's journey; it sees them, and can ask the agency to look at one. The
agency sees the open flags in a queue and closes each with a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from registry.actor import Actor, not_found
from registry.audit.service import record_change
from registry.db import utcnow
from registry.enterprises.models import Enterprise
from registry.errors import Conflict, Forbidden, InvalidInput
from registry.events.identifiers import Key, parse_key
from registry.events.models import FLAG_REASON_LENGTH, EpcisEvent, EventEpc, EventFlag
from registry.gs1 import GS1Error
from registry.lots.models import Lot
from registry.products.models import Product

REASON_MIN: Final = 5
THIRD_PARTY_LIMIT: Final = 200
_CHUNK: Final = 500
_EVENT: Final = ("sự kiện", "event")
_FLAG: Final = ("báo cáo sự kiện", "event flag")


@dataclass(frozen=True)
class FlaggedEvent:
    flag: EventFlag
    event: EpcisEvent
    owner: Enterprise
    recorder: Enterprise | None


@dataclass(frozen=True)
class ThirdPartyEvent:
    event: EpcisEvent
    lot: Lot
    recorder: Enterprise | None
    """None: agency staff recorded it."""
    flagged: bool


def third_party_events(
    session: Session, *, enterprise_id: int, limit: int = THIRD_PARTY_LIMIT
) -> list[ThirdPartyEvent]:
    """The latest events about the enterprise's lots that another enterprise, or agency
    staff, recorded; newest first."""
    lots = {
        Key(("01", gtin), (("10", lot.code),)).uri(): lot
        for lot, gtin in session.execute(
            select(Lot, Product.gtin)
            .join(Product, Product.id == Lot.product_id)
            .where(Product.enterprise_id == enterprise_id)
        )
    }
    by_someone_else = or_(
        EpcisEvent.enterprise_id != enterprise_id,
        and_(
            EpcisEvent.enterprise_id.is_(None),
            or_(
                EpcisEvent.recorded_by_user_id.is_not(None),
                EpcisEvent.recorded_by_key_id.is_not(None),
            ),
        ),
    )
    found: dict[int, tuple[EpcisEvent, Lot]] = {}
    keys = sorted(lots)
    for start in range(0, len(keys), _CHUNK):
        for event, lot_key in session.execute(
            select(EpcisEvent, EventEpc.lot_key)
            .join(EventEpc, EventEpc.event_pk == EpcisEvent.id)
            .where(EventEpc.lot_key.in_(keys[start : start + _CHUNK]), by_someone_else)
            .order_by(EpcisEvent.event_time.desc(), EpcisEvent.id.desc())
            .limit(limit)
        ):
            found.setdefault(event.id, (event, lots[lot_key or ""]))
    latest = sorted(found.values(), key=lambda pair: (pair[0].event_time, pair[0].id))[::-1]
    latest = latest[:limit]
    recorders = {
        e.id: e
        for e in session.scalars(
            select(Enterprise).where(
                Enterprise.id.in_({event.enterprise_id for event, _ in latest} - {None})
            )
        )
    }
    flagged = flagged_event_pks(session, enterprise_id=enterprise_id)
    return [
        ThirdPartyEvent(event, lot, recorders.get(event.enterprise_id or 0), event.id in flagged)
        for event, lot in latest
    ]


def _owners_of(session: Session, event: EpcisEvent) -> set[int]:
    """The enterprises whose products the event names."""
    gtins: set[str] = set()
    for epc in session.scalars(select(EventEpc.epc).where(EventEpc.event_pk == event.id)):
        try:
            key = parse_key(epc)
        except GS1Error:
            continue
        if key is not None and key.gtin:
            gtins.add(key.gtin)
    if not gtins:
        return set()
    return set(
        session.scalars(select(Product.enterprise_id).where(Product.gtin.in_(sorted(gtins))))
    )


def _reason(text: str, field: str) -> str:
    text = text.strip()
    if not REASON_MIN <= len(text) <= FLAG_REASON_LENGTH:
        raise InvalidInput(
            f"Lý do cần từ {REASON_MIN} đến {FLAG_REASON_LENGTH} ký tự.",
            f"The reason needs {REASON_MIN} to {FLAG_REASON_LENGTH} characters.",
            field=field,
        )
    return text


def flag_event(session: Session, *, actor: Actor, event_pk: int, reason: str) -> EventFlag:
    """The owner of goods an event names, which did not record it, flags it to the agency."""
    event = session.get(EpcisEvent, event_pk)
    if event is None or actor.enterprise_id is None:
        raise not_found(_EVENT)
    if actor.enterprise_id not in _owners_of(session, event):
        raise not_found(_EVENT)
    if event.enterprise_id == actor.enterprise_id:
        raise Forbidden(
            "Sự kiện do chính doanh nghiệp ghi nhận; không cần báo cho Chi cục.",
            "The enterprise recorded this event itself; there is nothing to flag.",
        )
    text = _reason(reason, "reason")
    already = session.scalar(
        select(EventFlag).where(
            EventFlag.event_pk == event.id, EventFlag.enterprise_id == actor.enterprise_id
        )
    )
    if already is not None:
        raise Conflict(
            "Sự kiện này đã được báo cho Chi cục.",
            "This event has already been flagged to the agency.",
        )
    flag = EventFlag(
        event_pk=event.id,
        enterprise_id=actor.enterprise_id,
        reason=text,
        flagged_by_user_id=actor.user_id,
        flagged_at=utcnow(),
    )
    session.add(flag)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="flag",
        entity="epcis_event",
        entity_id=event.id,
        enterprise_id=actor.enterprise_id,
        after={
            "event_id": event.event_id,
            "reason": text,
            "recorded_by_enterprise_id": event.enterprise_id,
        },
    )
    return flag


def flagged_event_pks(session: Session, *, enterprise_id: int) -> set[int]:
    return set(
        session.scalars(select(EventFlag.event_pk).where(EventFlag.enterprise_id == enterprise_id))
    )


def open_flags(session: Session, *, actor: Actor) -> list[FlaggedEvent]:
    actor.ensure_agency()
    rows = session.execute(
        select(EventFlag, EpcisEvent, Enterprise)
        .join(EpcisEvent, EpcisEvent.id == EventFlag.event_pk)
        .join(Enterprise, Enterprise.id == EventFlag.enterprise_id)
        .where(EventFlag.closed_at.is_(None))
        .order_by(EventFlag.flagged_at, EventFlag.id)
    ).all()
    recorders = {
        e.id: e
        for e in session.scalars(
            select(Enterprise).where(
                Enterprise.id.in_({event.enterprise_id for _, event, _ in rows} - {None})
            )
        )
    }
    return [
        FlaggedEvent(flag, event, owner, recorders.get(event.enterprise_id or 0))
        for flag, event, owner in rows
    ]


def count_open_flags(session: Session) -> int:
    return session.scalar(select(func.count()).where(EventFlag.closed_at.is_(None))) or 0


def close_flag(session: Session, *, actor: Actor, flag_id: int, note: str) -> EventFlag:
    actor.ensure_agency()
    flag = session.get(EventFlag, flag_id)
    if flag is None:
        raise not_found(_FLAG)
    if flag.closed_at is not None:
        raise Conflict("Báo cáo này đã được xử lý.", "This flag has already been closed.")
    flag.closed_note = _reason(note, "note")
    flag.closed_at = utcnow()
    record_change(
        session,
        actor=actor,
        action="close_flag",
        entity="epcis_event_flag",
        entity_id=flag.id,
        enterprise_id=flag.enterprise_id,
        after={"note": flag.closed_note},
    )
    return flag
