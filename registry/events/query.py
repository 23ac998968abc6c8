"""EPCIS 2.0 SimpleEventQuery (EPCIS 2.0 §8.2.7.1) over the indexed event tables.

Enterprises see the events that concern them (captured by them, at their locations,
shipped from or to them); agency staff see all. Results come in eventTime order (or
the orderBy/orderDirection asked for) and pages are cut by a keyset token, so deep
pages cost the same as the first.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, String, and_, cast, false, func, or_, select
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.errors import InvalidInput
from registry.events.field_query import FieldCondition, Place, declared, field_filter
from registry.events.identifiers import parse_key
from registry.events.models import EpcisEvent, EventEpc, EventParty
from registry.events.sensor_query import (
    EQUAL_PARAMETERS as SENSOR_EQUAL_PARAMETERS,
)
from registry.events.sensor_query import (
    NUMERIC_PARAMETER as SENSOR_NUMERIC_PARAMETER,
)
from registry.events.sensor_query import SensorCondition, sensor_filter, type_spellings
from registry.events.vocabulary import (
    bare_term,
    urn,
    web_uri,
)
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
# EPCIS 2.0 §8.2.7.1: WD_ also takes descendants by master data; there is no location
# hierarchy in the registry, so each location is its own only descendant.
_WD_PARAMETERS: Final = {"WD_readPoint": "EQ_readPoint", "WD_bizLocation": "EQ_bizLocation"}
_TIME_PARAMETERS: Final = ("GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime")
# EPCIS 2.0 repurposes these for the quantity of any QuantityElement.
_QUANTITY_PARAMETERS: Final = (
    "EQ_quantity",
    "GT_quantity",
    "GE_quantity",
    "LT_quantity",
    "LE_quantity",
)
_QUANTITY_ROLES: Final = MATCH_ROLES["MATCH_anyEPCClass"]
# EXISTS_<field>: a top-level event field, standard (bizStep) or extension (example:myField).
_EXISTS_PREFIX: Final = "EXISTS_"
_FIELD_NAME: Final = re.compile(r"[A-Za-z_][\w.-]*(:[A-Za-z_][\w.-]*)?")
# A stored field that is JSON null or empty does not exist (§8.2.7.1: "non-empty field").
_EMPTY_JSON: Final = ("null", "[]", "{}", '""')
# EQ_/EXISTS_ with INNER_ and ILMD_ (§8.2.7.1): where the named extension field sits.
_FIELD_PLACES: Final[tuple[tuple[str, Place], ...]] = (
    ("INNER_ILMD_", "inner_ilmd"),
    ("INNER_", "inner"),
    ("ILMD_", "ilmd"),
)
# Lists and members of the event's own that EQ_ parameters look into (§8.2.7.1).
_LIST_PARAMETERS: Final[dict[str, tuple[str, str | None]]] = {
    "EQ_persistentDisposition_set": ("persistentDisposition.set", "disposition"),
    "EQ_persistentDisposition_unset": ("persistentDisposition.unset", "disposition"),
    "EQ_correctiveEventID": ("errorDeclaration.correctiveEventIDs", None),
}
_DECLARATION_TIMES: Final = ("GE_errorDeclarationTime", "LT_errorDeclarationTime")
_ORDER_COLUMNS: Final = {"eventTime": EpcisEvent.event_time, "recordTime": EpcisEvent.record_time}
_ORDER_DIRECTIONS: Final = ("ASC", "DESC")
KNOWN_PARAMETERS: Final = frozenset(
    {
        "eventType",
        "EQ_bizStep",
        "EQ_disposition",
        *MATCH_ROLES,
        *_EQ_COLUMNS,
        *_WD_PARAMETERS,
        *_TIME_PARAMETERS,
        *_QUANTITY_PARAMETERS,
        *_LIST_PARAMETERS,
        *_DECLARATION_TIMES,
        "EQ_errorReason",
        "orderBy",
        "orderDirection",
        "eventCountLimit",
        "maxEventCount",
        "perPage",
        "nextPageToken",
    }
)


class QueryParameterError(InvalidInput):
    """EPCIS 2.0 §8.2.7: QueryParameterException, answered with 400 by the REST binding."""

    status = 400
    slug = "epcis-query-parameter"
    title = "EPCIS query parameter exception"


class QueryTooLargeError(InvalidInput):
    """EPCIS 2.0 §8.2.7: QueryTooLargeException, answered with 413 by the REST binding."""

    status = 413
    slug = "epcis-query-too-large"
    title = "EPCIS query too large exception"


def _bad(name: str, vi: str, en: str) -> QueryParameterError:
    return QueryParameterError(vi, en, field=name)


@dataclass
class EventQuery:
    """Parameters of a SimpleEventQuery; each list means "any of these"."""

    event_types: list[str] = field(default_factory=list)
    equals: dict[str, list[str]] = field(default_factory=dict)
    matches: dict[str, list[str]] = field(default_factory=dict)
    times: dict[str, dt.datetime] = field(default_factory=dict)
    quantities: dict[str, Decimal] = field(default_factory=dict)
    existing: list[str] = field(default_factory=list)
    fields: list[FieldCondition] = field(default_factory=list)
    declaration_times: dict[str, dt.datetime] = field(default_factory=dict)
    sensors: list[list[SensorCondition]] = field(default_factory=list)
    order_by: str = "eventTime"
    descending: bool = False
    event_count_limit: int | None = None
    max_event_count: int | None = None
    per_page: int = DEFAULT_PER_PAGE
    after: PagePosition | None = None

    @classmethod
    def from_parameters(cls, parameters: Mapping[str, str]) -> EventQuery:
        """Read REST query parameters; several values of one parameter are split by '|'."""
        query = cls()
        direction = None
        for name, raw in parameters.items():
            values = [v for v in raw.split("|") if v]
            if name == "eventType":
                query.event_types = values
            elif name in ("EQ_bizStep", "EQ_disposition"):
                kind = "bizStep" if name == "EQ_bizStep" else "disposition"
                query.equals[name] = [bare_term(kind, v) for v in values]
            elif name in ("EQ_readPoint", "EQ_bizLocation", *_WD_PARAMETERS):
                query.equals[name] = [_canonical(name, v) for v in values]
            elif name in _EQ_COLUMNS:
                query.equals[name] = values
            elif name in MATCH_ROLES:
                query.matches[name] = [_canonical(name, v) for v in values]
            elif name in _TIME_PARAMETERS:
                query.times[name] = _parse_time(name, raw)
            elif name in _QUANTITY_PARAMETERS:
                query.quantities[name] = _parse_number(name, raw)
            elif name in SENSOR_EQUAL_PARAMETERS:
                query.sensors.append(_sensor_equals(name, values))
            elif numeric := SENSOR_NUMERIC_PARAMETER.fullmatch(name):
                comparison, attribute, uom = numeric.groups()
                number = _parse_number(name, raw)
                query.sensors.append([SensorCondition(attribute, comparison, number, uom)])
            elif name in _LIST_PARAMETERS:
                path, vocabulary = _LIST_PARAMETERS[name]
                wanted = (
                    [s for v in values for s in _spellings(vocabulary, v)] if vocabulary else values
                )
                query.fields.append(FieldCondition("list", path, tuple(wanted)))
            elif name == "EQ_errorReason":
                wanted = [s for v in values for s in _spellings("errorReason", v)]
                query.fields.append(
                    FieldCondition("member", "errorDeclaration.reason", tuple(wanted))
                )
            elif name in _DECLARATION_TIMES:
                query.declaration_times[name] = _parse_time(name, raw)
            elif placed := _placed_field(name):
                query.fields.append(_field_condition(name, raw, values, placed))
            elif name.startswith(_EXISTS_PREFIX):
                if _exists_wanted(name, raw):
                    query.existing.append(name.removeprefix(_EXISTS_PREFIX))
            elif name == "orderBy":
                query.order_by = _one_of(name, raw, tuple(_ORDER_COLUMNS))
                direction = direction or "DESC"
            elif name == "orderDirection":
                direction = _one_of(name, raw, _ORDER_DIRECTIONS)
            elif name in ("eventCountLimit", "maxEventCount"):
                count = _count(name, raw)
                if name == "eventCountLimit":
                    query.event_count_limit = count
                else:
                    query.max_event_count = count
            elif name == "perPage":
                query.per_page = read_per_page(raw)
            elif name == "nextPageToken":
                query.after = decode_page_token(raw)
            else:
                raise _bad(
                    name,
                    f"Tham số truy vấn không được hỗ trợ: {name}.",
                    f"Unsupported query parameter: {name}.",
                )
        if query.event_count_limit is not None and query.max_event_count is not None:
            raise _bad(
                "maxEventCount",
                "Không thể dùng cùng lúc eventCountLimit và maxEventCount.",
                "eventCountLimit and maxEventCount cannot be used together.",
            )
        # orderDirection means nothing without orderBy (§8.2.7.1); the default order stays.
        query.descending = "orderBy" in parameters and direction == "DESC"
        return query


def _spellings(kind: str, value: str) -> list[str]:
    """A CBV value as it may be stored: bare term, Web URI or URN."""
    bare = bare_term(kind, value)
    return list(dict.fromkeys([value, bare, web_uri(kind, bare), urn(kind, bare)]))


def _placed_field(name: str) -> tuple[Place, str] | None:
    """(place, field) of EQ_/EXISTS_ on an INNER_/ILMD_ field or on a top-level extension
    field (EQ_ex:field); None for other parameters."""
    for operator in ("EQ_", _EXISTS_PREFIX):
        if not name.startswith(operator):
            continue
        rest = name.removeprefix(operator)
        for prefix, place in _FIELD_PLACES:
            if rest.startswith(prefix):
                return place, rest.removeprefix(prefix)
        if operator == "EQ_" and ":" in rest:
            return "top", rest
    return None


def _field_condition(
    name: str, raw: str, values: list[str], placed: tuple[Place, str]
) -> FieldCondition:
    place, field_name = placed
    if not _FIELD_NAME.fullmatch(field_name):
        raise _bad(name, f"{name}: tên trường không hợp lệ.", f"{name}: not a valid field name.")
    if name.startswith(_EXISTS_PREFIX):
        if not _exists_wanted(name, raw):
            return FieldCondition(place, field_name, ())
        return FieldCondition(place, field_name)
    if not values:
        raise _bad(name, f"{name} cần một giá trị.", f"{name} needs a value.")
    return FieldCondition(place, field_name, tuple(values))


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


def _sensor_equals(name: str, values: list[str]) -> list[SensorCondition]:
    attribute = name.removeprefix("EQ_")
    if attribute == "booleanValue":
        wanted: list[Any] = [_one_of(name, v, ("true", "false")) == "true" for v in values]
    elif attribute == "type":
        wanted = [spelling for v in values for spelling in type_spellings(v)]
    else:
        wanted = list(values)
    return [SensorCondition(attribute, "EQ", value) for value in wanted]


def _parse_number(name: str, raw: str) -> Decimal:
    try:
        quantity = Decimal(raw)
    except InvalidOperation:
        quantity = Decimal("NaN")
    if not quantity.is_finite():
        raise _bad(name, f"{name} phải là một số.", f"{name} must be a number.")
    return quantity


def _exists_wanted(name: str, raw: str) -> bool:
    if not _FIELD_NAME.fullmatch(name.removeprefix(_EXISTS_PREFIX)):
        raise _bad(
            name,
            f"{name}: tên trường không hợp lệ.",
            f"{name}: not a valid field name.",
        )
    # The standard's value is void; the REST binding's boolean form may say false.
    return raw.lower() != "false"


def _one_of(name: str, raw: str, allowed: tuple[str, ...]) -> str:
    if raw not in allowed:
        listed = ", ".join(allowed)
        raise _bad(
            name, f"{name} phải là một trong: {listed}.", f"{name} must be one of: {listed}."
        )
    return raw


def _positive(raw: str) -> int | None:
    """A positive whole number in ASCII digits ('²' is a digit to str.isdigit, not to int),
    or None; one too long to be a count reads as the largest."""
    if not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw) if len(raw) <= 18 else 10**18
    return value if value >= 1 else None


def _count(name: str, raw: str) -> int:
    value = _positive(raw)
    if value is None:
        raise _bad(name, f"{name} phải là số nguyên dương.", f"{name} must be a positive integer.")
    return value


def read_per_page(raw: str) -> int:
    """perPage: a positive whole number, served up to MAX_PER_PAGE a page (the REST
    binding's PerPage: a server's upper limit that the client cannot override)."""
    value = _positive(raw)
    if value is None:
        raise _bad(
            "perPage",
            f"perPage phải là số nguyên dương (mỗi trang tối đa {MAX_PER_PAGE}).",
            f"perPage must be a positive integer (at most {MAX_PER_PAGE} a page).",
        )
    return min(value, MAX_PER_PAGE)


@dataclass(frozen=True)
class PagePosition:
    """Where the next page starts: after this order key and row, `delivered` events in."""

    moment: dt.datetime
    pk: int
    delivered: int = 0


def encode_page_token(position: PagePosition) -> str:
    fields = [position.moment.isoformat(), position.pk, position.delivered]
    raw = json.dumps(fields).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(token: str) -> PagePosition:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        moment, pk, *rest = json.loads(raw)
        delivered = int(rest[0]) if rest else 0
        if delivered < 0:
            raise ValueError(delivered)
        return PagePosition(dt.datetime.fromisoformat(moment), int(pk), delivered)
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


def _quantity(name: str, value: Decimal) -> ColumnElement[bool]:
    column = EventEpc.quantity
    compare = {
        "EQ_quantity": column == value,
        "GT_quantity": column > value,
        "GE_quantity": column >= value,
        "LT_quantity": column < value,
        "LE_quantity": column <= value,
    }[name]
    return EpcisEvent.id.in_(
        select(EventEpc.event_pk).where(EventEpc.role.in_(_QUANTITY_ROLES), compare)
    )


def _filtered(actor: Actor, query: EventQuery) -> Select[EpcisEvent]:
    statement = select(EpcisEvent)
    visibility = visible_to(actor)
    if visibility is not None:
        statement = statement.where(visibility)
    if query.event_types:
        statement = statement.where(EpcisEvent.event_type.in_(query.event_types))
    for name, values in query.equals.items():
        column = {"EQ_bizStep": EpcisEvent.biz_step, "EQ_disposition": EpcisEvent.disposition}.get(
            name, _EQ_COLUMNS.get(_WD_PARAMETERS.get(name, name))
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
    for name, value in query.quantities.items():
        statement = statement.where(_quantity(name, value))
    for conditions in query.sensors:
        statement = statement.where(or_(*(sensor_filter(c) for c in conditions)))
    for condition in query.fields:
        if condition.values == ():
            continue  # EXISTS_…=false asks for nothing
        statement = statement.where(field_filter(condition))
    for name, moment in query.declaration_times.items():
        statement = statement.where(declared(name[:2], moment))
    for name in query.existing:
        stored = cast(EpcisEvent.document[name], String)
        statement = statement.where(stored.is_not(None), stored.not_in(_EMPTY_JSON))
    return statement


def _ordered_page(statement: Select[EpcisEvent], query: EventQuery) -> Select[EpcisEvent]:
    key = _ORDER_COLUMNS[query.order_by]
    if query.after is not None:
        moment, pk = query.after.moment, query.after.pk
        if query.descending:
            after = or_(key < moment, and_(key == moment, EpcisEvent.id < pk))
        else:
            after = or_(key > moment, and_(key == moment, EpcisEvent.id > pk))
        statement = statement.where(after)
    if query.descending:
        return statement.order_by(key.desc(), EpcisEvent.id.desc())
    return statement.order_by(key, EpcisEvent.id)


_MIN = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
_MAX = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class EventPage:
    events: list[EpcisEvent]
    next_page_token: str | None


def _refuse_too_large(session: Session, statement: Select[EpcisEvent], most: int) -> None:
    # Counting stops at most + 1 rows: enough to know, however large the result.
    capped = statement.with_only_columns(EpcisEvent.id).limit(most + 1).subquery()
    found = session.scalar(select(func.count()).select_from(capped)) or 0
    if found > most:
        raise QueryTooLargeError(
            f"Truy vấn trả về hơn {most} sự kiện (maxEventCount).",
            f"The query matches more than {most} events (maxEventCount).",
            field="maxEventCount",
        )


def query_events(session: Session, *, actor: Actor, query: EventQuery) -> EventPage:
    statement = _filtered(actor, query)
    if query.max_event_count is not None:
        _refuse_too_large(session, statement, query.max_event_count)
    delivered = query.after.delivered if query.after is not None else 0
    size = query.per_page
    if query.event_count_limit is not None:
        size = min(size, query.event_count_limit - delivered)
        if size <= 0:
            return EventPage([], None)
    rows = list(session.scalars(_ordered_page(statement, query).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    limit_reached = query.event_count_limit == delivered + len(rows)
    if not (more and rows) or limit_reached:
        return EventPage(rows, None)
    last = rows[-1]
    moment = last.record_time if query.order_by == "recordTime" else last.event_time
    return EventPage(rows, encode_page_token(PagePosition(moment, last.id, delivered + len(rows))))


def find_event(session: Session, *, actor: Actor, event_id: str) -> EpcisEvent | None:
    statement = select(EpcisEvent).where(EpcisEvent.event_id == event_id)
    visibility = visible_to(actor)
    if visibility is not None:
        statement = statement.where(visibility)
    return session.scalar(statement)


def events_after(
    session: Session,
    *,
    actor: Actor,
    query: EventQuery,
    after_pk: int,
    up_to_pk: int,
    recorded_since: dt.datetime,
    limit: int,
) -> list[EpcisEvent]:
    """Events the query matches with ids in (after_pk, up_to_pk], oldest id first: what
    a standing subscription has not been sent yet (its order and paging do not apply)."""
    statement = _filtered(actor, query).where(
        EpcisEvent.id > after_pk,
        EpcisEvent.id <= up_to_pk,
        EpcisEvent.record_time >= recorded_since,
    )
    return list(session.scalars(statement.order_by(EpcisEvent.id).limit(limit)))


def last_event_pk(session: Session) -> int:
    return session.scalar(select(func.max(EpcisEvent.id))) or 0
