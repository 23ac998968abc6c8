"""Capture EPCIS 2.0 documents and events (EPCIS 2.0 §8.2.8 capture; REST /capture, /events).

A document is checked whole before anything is written: the JSON Schema, identifiers
and check digits, lot codes (CSET 82), event times, and — for an enterprise — that every
identifier and location is its own or was shipped to it (registry.events.ownership;
refused with 403). Each event keeps who recorded it: enterprise, user or API key. With the default
error behaviour ("rollback") one bad event refuses the whole document; "proceed"
stores the good events and reports the others on the capture job. Events without an
eventID get the CBV 2.0 event hash; capturing the same event again changes nothing.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import (
    Table,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.db import Base, utcnow
from registry.errors import Conflict, FieldProblem, Forbidden, InvalidInput, TruyxuatError
from registry.events.hashing import context_namespaces
from registry.events.models import CaptureJob, EpcisEvent, EventEpc, EventParty, TraceLink
from registry.events.ownership import ownership_problems
from registry.events.prepare import (
    CHILD_ROLES,
    INPUT_ROLES,
    OUTPUT_ROLES,
    EventProblems,
    PreparedEvent,
    prepare_event,
)
from registry.events.schema import envelope_problems, event_problems
from registry.events.verdict_reasons import missing_reasons
from registry.locations.models import Location

CAPTURE_LIMIT: Final = 50_000
ERROR_BEHAVIOURS: Final = ("rollback", "proceed")
DOCUMENT_TYPES: Final = ("EPCISDocument", "EPCISQueryDocument")
_CHUNK: Final = 5000


class InvalidEpcisDocument(InvalidInput):
    """EPCIS 2.0 REST binding: a ValidationException is answered with 400."""

    status = 400
    slug = "epcis-validation"
    title = "EPCIS validation exception"


class CaptureLimitExceeded(TruyxuatError):
    """EPCIS 2.0 REST binding: CaptureLimitExceededException is answered with 413."""

    status = 413
    slug = "epcis-capture-limit-exceeded"
    title = "Capture payload too large"


@dataclass(frozen=True)
class CaptureResult:
    job: CaptureJob
    event_ids: list[str]
    """The eventID of every event of the document, in order (assigned ones included)."""


def _refuse(problems: list[FieldProblem], *, count: int | None = None) -> InvalidEpcisDocument:
    events = f" ({count} sự kiện có lỗi)" if count else ""
    events_en = f" ({count} events with errors)" if count else ""
    return InvalidEpcisDocument(
        f"Tài liệu EPCIS không hợp lệ, không sự kiện nào được lưu{events}.",
        f"The EPCIS document is invalid; no event was stored{events_en}.",
        problems=problems,
    )


def _event_list(document: Any) -> list[Any]:
    if not isinstance(document, dict):
        raise _refuse(
            [
                FieldProblem(
                    "",
                    "Tài liệu phải là một đối tượng JSON.",
                    "The document must be a JSON object.",
                )
            ]
        )
    body = document.get("epcisBody") or {}
    if document.get("type") == "EPCISQueryDocument":
        body = (body.get("queryResults") or {}).get("resultsBody") or {}
    elif document.get("type") != "EPCISDocument":
        raise _refuse(
            [
                FieldProblem(
                    "type",
                    "Cần một EPCISDocument hoặc EPCISQueryDocument.",
                    "An EPCISDocument or EPCISQueryDocument is required.",
                )
            ]
        )
    events = body.get("eventList") if isinstance(body, dict) else None
    if not isinstance(events, list):
        raise _refuse(
            [
                FieldProblem(
                    "epcisBody.eventList", "Thiếu danh sách sự kiện.", "The event list is missing."
                )
            ]
        )
    return events


def capture_document(
    session: Session, *, actor: Actor, document: Any, error_behaviour: str = "rollback"
) -> CaptureResult:
    """Validate and store every event of an EPCISDocument (or EPCISQueryDocument)."""
    events = _event_list(document)
    if len(events) > CAPTURE_LIMIT:
        raise CaptureLimitExceeded(
            f"Tài liệu có {len(events)} sự kiện; mỗi lần gửi tối đa {CAPTURE_LIMIT} sự kiện. "
            "Hãy chia thành nhiều lần gửi.",
            f"The document holds {len(events)} events; at most {CAPTURE_LIMIT} are accepted "
            "per capture. Split it into several captures.",
            field="epcisBody.eventList",
        )
    if error_behaviour not in ERROR_BEHAVIOURS:
        raise InvalidEpcisDocument(
            "GS1-Capture-Error-Behaviour phải là rollback hoặc proceed.",
            "GS1-Capture-Error-Behaviour must be rollback or proceed.",
            field="GS1-Capture-Error-Behaviour",
        )
    envelope = envelope_problems(document)
    if envelope:
        raise _refuse([FieldProblem(p.path, p.message_vi, p.message_en) for p in envelope])

    namespaces = context_namespaces(document.get("@context"))
    problems: dict[int, list[FieldProblem]] = defaultdict(list)
    prepared: list[PreparedEvent] = []
    now = utcnow()
    for index, event in enumerate(events):
        where = f"eventList[{index}]"
        found = event_problems(event)
        if found:
            problems[index].extend(
                FieldProblem(
                    f"{where}.{p.path}" if p.path else where,
                    f"Sự kiện {index}: {p.message_vi}",
                    f"Event {index}: {p.message_en}",
                )
                for p in found
            )
            continue
        event_namespaces = namespaces
        if isinstance(event, dict) and "@context" in event:
            event_namespaces = {**namespaces, **context_namespaces(event["@context"])}
        try:
            prepared.append(
                prepare_event(
                    event, index=index, namespaces=event_namespaces, now=now, field_prefix=where
                )
            )
        except EventProblems as exc:
            problems[index].extend(exc.problems)
    # REST binding (POST /capture): a document that was received is answered 202; what
    # its events get wrong is the capture job's report, not a synchronous error.
    return _finish(
        session,
        actor=actor,
        prepared=prepared,
        problems=problems,
        error_behaviour=error_behaviour,
        total=len(events),
        report_in_job=True,
    )


def capture_event(session: Session, *, actor: Actor, event: Any) -> tuple[str, bool]:
    """Store one event given on its own (with its own @context). Returns (eventID, created).

    Capturing an event that is already stored is answered with the stored eventID.
    """
    if isinstance(event, dict) and event.get("type") in DOCUMENT_TYPES:
        raise InvalidEpcisDocument(
            f"Đây là cả một {event['type']}, không phải một sự kiện. "
            "Hãy gửi tài liệu đến POST /epcis/capture.",
            f"This is a whole {event['type']}, not one event. "
            "Send documents to POST /epcis/capture.",
            field="type",
        )
    found = event_problems(event, standalone=True)
    if found:
        raise _refuse([FieldProblem(p.path, p.message_vi, p.message_en) for p in found])
    try:
        prepared = prepare_event(
            event,
            index=0,
            namespaces=context_namespaces(event["@context"]),
            now=utcnow(),
            field_prefix="eventList[0]",
        )
    except EventProblems as exc:
        raise _refuse(exc.problems) from exc
    result = _finish(
        session,
        actor=actor,
        prepared=[prepared],
        problems=defaultdict(list),
        error_behaviour="rollback",
        total=1,
    )
    return prepared.event_id, result.job.new_event_count == 1


def _finish(
    session: Session,
    *,
    actor: Actor,
    prepared: list[PreparedEvent],
    problems: dict[int, list[FieldProblem]],
    error_behaviour: str,
    total: int,
    report_in_job: bool = False,
) -> CaptureResult:
    """Store the good events; refuse the capture or, with `report_in_job`, record a failed
    job when invalid events or eventID conflicts undo it (rollback). A capture touching
    another enterprise's goods is always refused: that is a security matter."""
    locations = _locations_by_gln(session, prepared)
    for index, found in missing_reasons(actor=actor, prepared=prepared).items():
        problems[index].extend(found)
    invalid = bool(problems)
    foreign = ownership_problems(session, actor=actor, prepared=prepared, locations=locations)
    for index, found in foreign.items():
        problems[index].extend(found)
    if problems and error_behaviour == "rollback":
        flat = [p for index in sorted(problems) for p in problems[index]]
        if invalid and report_in_job:
            return _record_job(
                session, actor=actor, error_behaviour=error_behaviour, total=total, errors=flat
            )
        if invalid:
            raise _refuse(flat, count=len(problems))
        raise Forbidden(
            "Doanh nghiệp chỉ ghi nhận sự kiện về hàng của mình hoặc hàng được gửi đến; "
            f"không sự kiện nào được lưu ({len(problems)} sự kiện bị từ chối).",
            "An enterprise records events only about its own goods or goods shipped to it; "
            f"no event was stored ({len(problems)} events refused).",
            problems=flat,
        )
    good = [p for p in prepared if p.index not in problems]
    fresh, conflicts = _new_events(session, good)
    if conflicts and error_behaviour == "rollback" and report_in_job:
        return _record_job(
            session, actor=actor, error_behaviour=error_behaviour, total=total, errors=conflicts
        )
    if conflicts and error_behaviour == "rollback":
        raise Conflict(
            "Một số eventID đã được dùng cho sự kiện khác; không sự kiện nào được lưu.",
            "Some eventIDs are already used by different events; no event was stored.",
            problems=conflicts,
        )
    errors = [p for index in sorted(problems) for p in problems[index]] + conflicts
    result = _record_job(
        session,
        actor=actor,
        error_behaviour=error_behaviour,
        total=total,
        errors=errors,
        prepared=prepared,
        fresh_count=len(fresh),
    )
    _store(session, actor=actor, job=result.job, events=fresh, locations=locations)
    result.job.finished_at = utcnow()
    return result


def _record_job(
    session: Session,
    *,
    actor: Actor,
    error_behaviour: str,
    total: int,
    errors: list[FieldProblem],
    prepared: Sequence[PreparedEvent] = (),
    fresh_count: int = 0,
) -> CaptureResult:
    """The capture job, finished unless events are still to be stored under it."""
    job = CaptureJob(
        id=f"capture-{uuid.uuid4().hex}",
        enterprise_id=actor.enterprise_id,
        captured_by=actor.label,
        running=False,
        error_behaviour=error_behaviour,
        event_count=total,
        new_event_count=fresh_count,
        success=not errors,
        errors=[p.as_dict() for p in errors],
        finished_at=None if prepared else utcnow(),
    )
    session.add(job)
    session.flush()
    return CaptureResult(job=job, event_ids=[p.event_id for p in prepared])


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _locations_by_gln(session: Session, prepared: Iterable[PreparedEvent]) -> dict[str, Location]:
    glns = sorted(
        {
            key.primary[1]
            for event in prepared
            for key in [k for _, k in event.place_keys] + [k for _, _, k in event.party_keys]
            if key.primary[0] == "414"
        }
    )
    found: dict[str, Location] = {}
    for chunk in _chunks(glns):
        found.update(
            (loc.gln, loc)
            for loc in session.scalars(select(Location).where(Location.gln.in_(chunk)))
        )
    return found


def _new_events(
    session: Session, prepared: list[PreparedEvent]
) -> tuple[list[PreparedEvent], list[FieldProblem]]:
    """Events not stored yet (duplicates of stored or earlier events skipped), and the
    eventIDs that name a different event than the one already stored."""
    stored: dict[str, str] = {}
    ids = [p.event_id for p in prepared]
    for chunk in _chunks(ids):
        for event_id, content_hash in session.execute(
            select(EpcisEvent.event_id, EpcisEvent.content_hash).where(
                EpcisEvent.event_id.in_(chunk)
            )
        ):
            stored[event_id] = content_hash
    fresh: list[PreparedEvent] = []
    conflicts: list[FieldProblem] = []
    for event in prepared:
        known = stored.get(event.event_id)
        if known is None:
            stored[event.event_id] = event.content_hash
            fresh.append(event)
        elif known != event.content_hash:
            conflicts.append(
                FieldProblem(
                    f"eventList[{event.index}].eventID",
                    f"eventID {event.event_id} đã dùng cho một sự kiện khác.",
                    f"eventID {event.event_id} already names a different event.",
                )
            )
    return fresh, conflicts


def _store(
    session: Session,
    *,
    actor: Actor,
    job: CaptureJob,
    events: list[PreparedEvent],
    locations: dict[str, Location],
) -> None:
    if not events:
        return
    _take_capture_lock(session)
    record_time = utcnow()
    rows = [
        {
            "event_id": e.event_id,
            "content_hash": e.content_hash,
            "event_type": e.event_type,
            "event_time": e.event_time,
            "record_time": record_time,
            "action": e.action,
            "biz_step": e.biz_step,
            "disposition": e.disposition,
            "read_point": e.read_point,
            "biz_location": e.biz_location,
            "transformation_id": e.transformation_id,
            "enterprise_id": actor.enterprise_id,
            "recorded_by_user_id": actor.user_id,
            "recorded_by_key_id": actor.api_key_id,
            "capture_id": job.id,
            "document": e.document,
        }
        for e in events
    ]
    pks = _insert_events(session, rows)
    epc_rows = [
        {
            "event_pk": pk,
            "role": r.role,
            "epc": r.epc,
            "lot_key": r.lot_key,
            "node": r.node,
            "quantity": r.quantity,
            "uom": r.uom,
        }
        for pk, event in zip(pks, events, strict=True)
        for r in event.epcs
    ]
    _bulk_insert(session, _table(EventEpc), epc_rows)
    _bulk_insert(session, _table(EventParty), list(_party_rows(actor, pks, events, locations)))
    _bulk_insert(session, _table(TraceLink), _link_rows(session, pks, events))


def _insert_events(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """The rows' new primary keys, in order. On PostgreSQL the keys are drawn from the
    sequence first and the rows copied: an INSERT ... RETURNING of thousands of rows is one
    statement psycopg rewrites placeholder by placeholder (a third of a 5,000-event capture
    in the profile). Under the capture lock, drawn keys increase like inserted ones."""
    if session.get_bind().dialect.name != "postgresql":
        return list(
            session.scalars(
                insert(EpcisEvent).returning(EpcisEvent.id, sort_by_parameter_order=True), rows
            )
        )
    pks = sorted(
        session.scalars(
            select(
                func.nextval(func.pg_get_serial_sequence(EpcisEvent.__tablename__, "id"))
            ).select_from(func.generate_series(1, len(rows)))
        )
    )
    _bulk_insert(
        session, _table(EpcisEvent), [{"id": pk, **row} for pk, row in zip(pks, rows, strict=True)]
    )
    return pks


# Any constant shared by every capture; the key of PostgreSQL's transaction advisory lock.
_CAPTURE_LOCK: Final = 0x45504349


def _take_capture_lock(session: Session) -> None:
    """Captures store their events one after the other, each till its commit, so event ids
    become visible in increasing order: a subscription's delivery cursor (the highest id it
    has looked at) can then never pass over an event that commits later with a lower id.
    SQLite already writes one transaction at a time."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_CAPTURE_LOCK)))


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """executemany; on PostgreSQL a COPY, several times faster for large documents."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    names = ", ".join(columns)
    json_columns = {
        c.name
        for c in table.columns
        if isinstance(c.type.dialect_impl(session.get_bind().dialect), JSONB)
    }
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in json_columns else row[c] for c in columns])


def _party_rows(
    actor: Actor, pks: list[int], events: list[PreparedEvent], locations: dict[str, Location]
) -> Iterator[dict[str, Any]]:
    for pk, event in zip(pks, events, strict=True):
        parties: set[tuple[int, str]] = set()
        if actor.enterprise_id is not None:
            parties.add((actor.enterprise_id, "captured"))
        for _, key in event.place_keys:
            place = locations.get(key.primary[1]) if key.primary[0] == "414" else None
            if place is not None:
                parties.add((place.enterprise_id, "location"))
        for _, relation, key in event.party_keys:
            place = locations.get(key.primary[1]) if key.primary[0] == "414" else None
            if place is not None:
                parties.add((place.enterprise_id, relation))
        for enterprise_id, relation in sorted(parties):
            yield {"event_pk": pk, "enterprise_id": enterprise_id, "relation": relation}


def _link_rows(
    session: Session, pks: list[int], events: list[PreparedEvent]
) -> list[dict[str, Any]]:
    links: dict[tuple[str, str], tuple[str, int]] = {}
    by_transformation: dict[str, list[tuple[int, PreparedEvent]]] = defaultdict(list)
    for pk, event in zip(pks, events, strict=True):
        if event.event_type == "TransformationEvent":
            inputs = {r.node for r in event.epcs if r.role in INPUT_ROLES and r.node}
            outputs = {r.node for r in event.epcs if r.role in OUTPUT_ROLES and r.node}
            for source in inputs:
                for target in outputs:
                    links.setdefault((source, target), ("transform", pk))
            if event.transformation_id:
                by_transformation[event.transformation_id].append((pk, event))
        elif event.event_type == "AggregationEvent" and event.action in ("ADD", "OBSERVE"):
            parent = next((r.node for r in event.epcs if r.role == "parent" and r.node), None)
            if parent is not None:
                for row in event.epcs:
                    if row.role in CHILD_ROLES and row.node and row.node != parent:
                        links.setdefault((row.node, parent), ("aggregate", pk))
    for transformation_id, members in by_transformation.items():
        _link_shared_transformation(session, transformation_id, members, links)
    return [
        {"from_node": source, "to_node": target, "kind": kind, "event_pk": pk}
        for (source, target), (kind, pk) in links.items()
        if source != target
    ]


def _link_shared_transformation(
    session: Session,
    transformation_id: str,
    members: list[tuple[int, PreparedEvent]],
    links: dict[tuple[str, str], tuple[str, int]],
) -> None:
    """EPCIS 2.0 §7.4.6: events with one transformationID form one transformation."""
    inputs: set[str] = set()
    outputs: set[str] = set()
    for _, event in members:
        inputs |= {r.node for r in event.epcs if r.role in INPUT_ROLES and r.node}
        outputs |= {r.node for r in event.epcs if r.role in OUTPUT_ROLES and r.node}
    new_pks = [pk for pk, _ in members]
    for role, node in session.execute(
        select(EventEpc.role, EventEpc.node)
        .join(EpcisEvent, EpcisEvent.id == EventEpc.event_pk)
        .where(
            EpcisEvent.transformation_id == transformation_id,
            EpcisEvent.id.not_in(new_pks),
            EventEpc.node.is_not(None),
        )
    ):
        if node is None:
            continue
        if role in INPUT_ROLES:
            inputs.add(node)
        elif role in OUTPUT_ROLES:
            outputs.add(node)
    for source in inputs:
        for target in outputs:
            links.setdefault((source, target), ("transform", new_pks[0]))
