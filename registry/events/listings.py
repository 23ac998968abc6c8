"""The REST binding's listings (EPCIS 2.0 §12.5, openapi.yaml `GET /capture`, `GET /epcs`,
`GET /bizSteps`…): capture jobs and the values of the top-level resources, each limited
to what the caller may see, in pages cut by a keyset token like the events' own.

An enterprise lists its own capture jobs and the values named by the events it sees (the
events that concern it, `query.visible_to`); agency staff list everything.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.events.models import CaptureJob, EpcisEvent, EventEpc
from registry.events.query import (
    DEFAULT_PER_PAGE,
    QueryParameterError,
    read_per_page,
    visible_to,
)
from registry.events.vocabulary import BIZ_STEPS, DISPOSITIONS, EVENT_TYPES

T = TypeVar("T")
PAGING_PARAMETERS: Final = ("perPage", "nextPageToken")
# Each top-level resource: the event column it lists and the standard's own values,
# listed whether or not an event uses them (CBV 2.0 §7.1, §7.2; EPCIS 2.0 §7.4).
_COLUMNS: Final[dict[str, Any]] = {
    "eventTypes": EpcisEvent.event_type,
    "bizSteps": EpcisEvent.biz_step,
    "dispositions": EpcisEvent.disposition,
    "bizLocations": EpcisEvent.biz_location,
    "readPoints": EpcisEvent.read_point,
}
STANDARD_VALUES: Final[dict[str, frozenset[str]]] = {
    "eventTypes": frozenset(EVENT_TYPES),
    "bizSteps": BIZ_STEPS,
    "dispositions": DISPOSITIONS,
}
RESOURCES: Final = ("epcs", *_COLUMNS)


@dataclass(frozen=True)
class Page(Generic[T]):
    members: list[T]
    next_page_token: str | None


@dataclass(frozen=True)
class Paging:
    per_page: int = DEFAULT_PER_PAGE
    after: list[Any] | None = None


def _bad_token() -> QueryParameterError:
    return QueryParameterError(
        "nextPageToken không hợp lệ.", "Invalid nextPageToken.", field="nextPageToken"
    )


def _token(fields: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=")


def _position(token: str) -> list[str]:
    """The strings a token of this module holds; anything else is refused (400)."""
    try:
        fields = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError as exc:
        raise _bad_token() from exc
    if not (
        isinstance(fields, list)
        and 1 <= len(fields) <= 2
        and all(isinstance(f, str) and f for f in fields)
    ):
        raise _bad_token()
    return fields


def read_paging(parameters: Mapping[str, str]) -> Paging:
    """perPage and nextPageToken of a listing; any other parameter is refused, naming it."""
    for name in parameters:
        if name not in PAGING_PARAMETERS:
            raise QueryParameterError(
                f"Tham số truy vấn không được hỗ trợ: {name}.",
                f"Unsupported query parameter: {name}.",
                field=name,
            )
    size = read_per_page(parameters["perPage"]) if "perPage" in parameters else DEFAULT_PER_PAGE
    token = parameters.get("nextPageToken")
    return Paging(size, _position(token) if token is not None else None)


def _cut(rows: list[T], paging: Paging, position: Callable[[T], list[Any]]) -> Page[T]:
    if len(rows) <= paging.per_page:
        return Page(rows, None)
    rows = rows[: paging.per_page]
    return Page(rows, _token(position(rows[-1])))


def capture_jobs(session: Session, *, actor: Actor, paging: Paging) -> Page[CaptureJob]:
    """Capture jobs, newest first: an enterprise's own, or all of them for agency staff."""
    statement = select(CaptureJob)
    if not actor.is_agency:
        statement = statement.where(CaptureJob.enterprise_id == actor.enterprise_id)
    if paging.after is not None:
        if len(paging.after) != 2:
            raise _bad_token()
        try:
            moment = dt.datetime.fromisoformat(paging.after[0])
        except ValueError as exc:
            raise _bad_token() from exc
        job_id = paging.after[1]
        statement = statement.where(
            or_(
                CaptureJob.created_at < moment,
                and_(CaptureJob.created_at == moment, CaptureJob.id < job_id),
            )
        )
    statement = statement.order_by(CaptureJob.created_at.desc(), CaptureJob.id.desc())
    rows = list(session.scalars(statement.limit(paging.per_page + 1)))
    return _cut(rows, paging, lambda job: [job.created_at.isoformat(), job.id])


def _values_statement(actor: Actor, resource: str) -> tuple[Select[Any], Any]:
    if resource == "epcs":
        column: Any = EventEpc.epc
        # Instances and classes alike (EPCs and EPC classes, §7.3.3): the lots this
        # registry traces are classes, and /epcs/{epc}/events answers for both.
        statement = select(column).join(EpcisEvent, EpcisEvent.id == EventEpc.event_pk)
    else:
        column = _COLUMNS[resource]
        statement = select(column).where(column.is_not(None))
    visibility: ColumnElement[bool] | None = visible_to(actor)
    if visibility is not None:
        statement = statement.where(visibility)
    return statement.distinct(), column


def values(session: Session, *, actor: Actor, resource: str, paging: Paging) -> Page[str]:
    """The values of a top-level resource: those named by the events the actor sees, with
    the standard's own for event types, CBV steps and dispositions."""
    statement, column = _values_statement(actor, resource)
    after = None
    if paging.after is not None:
        if len(paging.after) != 1:
            raise _bad_token()
        after = paging.after[0]
    wanted = paging.per_page + 1
    standard = STANDARD_VALUES.get(resource)
    if standard is None:
        # Unbounded (every EPC): cut in the database, in its own collation.
        if after is not None:
            statement = statement.where(column > after)
        rows = [v for v in session.scalars(statement.order_by(column).limit(wanted)) if v]
    else:
        # A vocabulary: few values, all ordered here with the standard's own.
        known = standard | {v for v in session.scalars(statement) if v}
        rows = sorted(v for v in known if after is None or v > after)[:wanted]
    return _cut(rows, paging, lambda value: [value])
