"""EPCIS 2.0 SimpleEventQuery (EPCIS 2.0 §8.2.7.1) over the indexed event tables.

Enterprises see the events that concern them (captured by them, at their locations,
shipped from or to them); agency staff see all. Results come in eventTime order and
pages are cut by a keyset token, so deep pages cost the same as the first.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.errors import InvalidInput
from registry.events.identifiers import parse_key
from registry.events.models import EpcisEvent, EventEpc, EventParty
from registry.events.vocabulary import BIZ_STEPS, DISPOSITIONS, EVENT_TYPES, bare_term
from registry.gs1 import GS1Error

DEFAULT_PER_PAGE: Final = 30
MAX_PER_PAGE: Final = 1000

# EPCIS 2.0 §8.2.7.1: which event fields each MATCH_ parameter looks at.
MATCH_ROLES: Final[dict[str, tuple[str, ...]]] = {
    "MATCH_epc": ("epc", "child"),
    "MATCH_parentID": ("parent",),
    "MATCH_inputEPC": ("input",),
    "MATCH_outputEPC": ("output",),
    "MATCH_anyEPC": ("epc", "child", "parent", "input", "output"),
    "MATCH_epcClass": ("quantity", "child_quantity"),
    "MATCH_inputEPCClass": ("input_quantity",),
    "MATCH_outputEPCClass": ("output_quantity",),
    "MATCH_anyEPCClass": ("quantity", "child_quantity", "input_quantity", "output_quantity"),
}
# Not in the standard: any identifier or class, for GET /epcs/{epc}/events.
MATCH_ANYTHING: Final = "MATCH_anyEPCOrClass"
MATCH_ROLES[MATCH_ANYTHING] = MATCH_ROLES["MATCH_anyEPC"] + MATCH_ROLES["MATCH_anyEPCClass"]
_EQ_COLUMNS: Final = {
    "EQ_action": EpcisEvent.action,
    "EQ_readPoint": EpcisEvent.read_point,
    "EQ_bizLocation": EpcisEvent.biz_location,
    "EQ_eventID": EpcisEvent.event_id,
    "EQ_transformationID": EpcisEvent.transformation_id,
}
_TIME_PARAMETERS: Final = ("GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime")
KNOWN_PARAMETERS: Final = frozenset(
    {
        "eventType",
        "EQ_bizStep",
        "EQ_disposition",
        *MATCH_ROLES,
        *_EQ_COLUMNS,
        *_TIME_PARAMETERS,
        "perPage",
        "nextPageToken",
    }
)


class QueryParameterError(InvalidInput):
    """EPCIS 2.0 §8.2.7: QueryParameterException, answered with 400 by the REST binding."""

    status = 400
    slug = "epcis-query-parameter"
    title = "EPCIS query parameter exception"


def _bad(name: str, vi: str, en: str) -> QueryParameterError:
    return QueryParameterError(vi, en, field=name)


@dataclass
class EventQuery:
    """Parameters of a SimpleEventQuery; each list means "any of these"."""

    event_types: list[str] = field(default_factory=list)
    equals: dict[str, list[str]] = field(default_factory=dict)
    matches: dict[str, list[str]] = field(default_factory=dict)
    times: dict[str, dt.datetime] = field(default_factory=dict)
    per_page: int = DEFAULT_PER_PAGE
    after: tuple[dt.datetime, int] | None = None

    @classmethod
    def from_parameters(cls, parameters: Mapping[str, str]) -> EventQuery:
        """Read REST query parameters; several values of one parameter are split by '|'."""
        query = cls()
        for name, raw in parameters.items():
            values = [v for v in raw.split("|") if v]
            if name == "eventType":
                query.event_types = values
            elif name in ("EQ_bizStep", "EQ_disposition"):
                kind = "bizStep" if name == "EQ_bizStep" else "disposition"
                query.equals[name] = [bare_term(kind, v) for v in values]
            elif name in ("EQ_readPoint", "EQ_bizLocation"):
                query.equals[name] = [_canonical(name, v) for v in values]
            elif name in _EQ_COLUMNS:
                query.equals[name] = values
            elif name in MATCH_ROLES:
                query.matches[name] = [_canonical(name, v) for v in values]
            elif name in _TIME_PARAMETERS:
                query.times[name] = _parse_time(name, raw)
            elif name == "perPage":
                query.per_page = _per_page(raw)
            elif name == "nextPageToken":
                query.after = decode_page_token(raw)
            else:
                raise _bad(
                    name,
                    f"Tham số truy vấn không được hỗ trợ: {name}.",
                    f"Unsupported query parameter: {name}.",
                )
        return query


def _canonical(name: str, value: str) -> str:
    try:
        key = parse_key(value)
    except GS1Error as exc:
        raise _bad(name, f"{name}: {exc.message_vi}", f"{name}: {exc.message_en}") from exc
    return key.uri() if key is not None else value


def _parse_time(name: str, raw: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(raw.replace(" ", "+"))
    except ValueError as exc:
        raise _bad(
            name, f"{name} phải là thời điểm ISO 8601.", f"{name} must be an ISO 8601 date-time."
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _per_page(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PER_PAGE:
        raise _bad(
            "perPage",
            f"perPage phải từ 1 đến {MAX_PER_PAGE}.",
            f"perPage must be between 1 and {MAX_PER_PAGE}.",
        )
    return int(raw)


def encode_page_token(event: EpcisEvent) -> str:
    raw = json.dumps([event.event_time.isoformat(), event.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(token: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        moment, pk = json.loads(raw)
        return dt.datetime.fromisoformat(moment), int(pk)
    except (ValueError, TypeError) as exc:
        raise _bad(
            "nextPageToken", "nextPageToken không hợp lệ.", "Invalid nextPageToken."
        ) from exc


def visible_to(actor: Actor) -> ColumnElement[bool] | None:
    """The filter that limits events to those concerning the actor's enterprise."""
    if actor.is_agency:
        return None
    if actor.enterprise_id is None:
        return false()
    return EpcisEvent.id.in_(
        select(EventParty.event_pk).where(EventParty.enterprise_id == actor.enterprise_id)
    )


def _match(roles: Iterable[str], values: list[str]) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    for value in values:
        conditions.append(EventEpc.epc == value)
        conditions.append(EventEpc.lot_key == value)
        try:
            key = parse_key(value)
        except GS1Error:
            key = None
        if key is not None and key.is_class:
            # A GTIN class matches every lot and serial of that GTIN.
            conditions.append(EventEpc.epc.like(value + "/%"))
    return EpcisEvent.id.in_(
        select(EventEpc.event_pk).where(EventEpc.role.in_(list(roles)), or_(*conditions))
    )


def _statement(actor: Actor, query: EventQuery) -> Select[EpcisEvent]:
    statement = select(EpcisEvent)
    visibility = visible_to(actor)
    if visibility is not None:
        statement = statement.where(visibility)
    if query.event_types:
        statement = statement.where(EpcisEvent.event_type.in_(query.event_types))
    for name, values in query.equals.items():
        column = {"EQ_bizStep": EpcisEvent.biz_step, "EQ_disposition": EpcisEvent.disposition}.get(
            name, _EQ_COLUMNS.get(name)
        )
        if column is not None:
            statement = statement.where(column.in_(values))
    for name, values in query.matches.items():
        statement = statement.where(_match(MATCH_ROLES[name], values))
    time_filters = {
        "GE_eventTime": EpcisEvent.event_time >= query.times.get("GE_eventTime", _MIN),
        "LT_eventTime": EpcisEvent.event_time < query.times.get("LT_eventTime", _MAX),
        "GE_recordTime": EpcisEvent.record_time >= query.times.get("GE_recordTime", _MIN),
        "LT_recordTime": EpcisEvent.record_time < query.times.get("LT_recordTime", _MAX),
    }
    for name in query.times:
        statement = statement.where(time_filters[name])
    if query.after is not None:
        moment, pk = query.after
        statement = statement.where(
            or_(
                EpcisEvent.event_time > moment,
                and_(EpcisEvent.event_time == moment, EpcisEvent.id > pk),
            )
        )
    return statement.order_by(EpcisEvent.event_time, EpcisEvent.id)


_MIN = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
_MAX = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class EventPage:
    events: list[EpcisEvent]
    next_page_token: str | None


def query_events(session: Session, *, actor: Actor, query: EventQuery) -> EventPage:
    rows = list(session.scalars(_statement(actor, query).limit(query.per_page + 1)))
    more = len(rows) > query.per_page
    rows = rows[: query.per_page]
    return EventPage(rows, encode_page_token(rows[-1]) if more and rows else None)


def find_event(session: Session, *, actor: Actor, event_id: str) -> EpcisEvent | None:
    statement = select(EpcisEvent).where(EpcisEvent.event_id == event_id)
    visibility = visible_to(actor)
    if visibility is not None:
        statement = statement.where(visibility)
    return session.scalar(statement)


def _distinct(session: Session, actor: Actor, column: Any) -> list[str]:
    statement = select(column).distinct().where(column.is_not(None))
    visibility = visible_to(actor)
    if visibility is not None:
        statement = statement.where(visibility)
    return sorted(v for v in session.scalars(statement) if v)


def event_types(session: Session, *, actor: Actor) -> list[str]:
    return sorted(set(EVENT_TYPES) | set(_distinct(session, actor, EpcisEvent.event_type)))


def biz_steps(session: Session, *, actor: Actor) -> list[str]:
    return sorted(BIZ_STEPS | set(_distinct(session, actor, EpcisEvent.biz_step)))


def dispositions(session: Session, *, actor: Actor) -> list[str]:
    return sorted(DISPOSITIONS | set(_distinct(session, actor, EpcisEvent.disposition)))


def biz_locations(session: Session, *, actor: Actor) -> list[str]:
    return _distinct(session, actor, EpcisEvent.biz_location)


def read_points(session: Session, *, actor: Actor) -> list[str]:
    return _distinct(session, actor, EpcisEvent.read_point)
