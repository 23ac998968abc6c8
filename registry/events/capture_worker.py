"""Capture an EPCIS document (or one event) in a worker process with a connection of its own.

A 50,000-event document is tens of seconds of Python work that builds millions of
objects. In a thread of the serving process it shares the GIL with the event loop, and
its full garbage collections stop every request for up to 1.4 s each (measured, ten of
them in one capture). In a process of its own it costs the server nothing but a wait.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

import registry.models  # noqa: F401 - every table: events refer to accounts, lots, ...
from registry.actor import Actor
from registry.db import make_engine, make_sessionmaker, unit_of_work
from registry.events.capture import capture_document, capture_event
from registry.events.received import Notation, read_document

_sessions: dict[str, sessionmaker[Session]] = {}


def _own_sessions(database_url: str) -> sessionmaker[Session]:
    sessions = _sessions.get(database_url)
    if sessions is None:
        sessions = _sessions[database_url] = make_sessionmaker(make_engine(database_url))
    return sessions


def capture_body(
    database_url: str, *, actor: Actor, body: bytes, notation: Notation, error_behaviour: str
) -> str:
    """Parse, check and store the document in one committed unit of work; the capture
    job's id. Domain errors (nothing stored) are raised as in the server."""
    with unit_of_work(_own_sessions(database_url)) as session:
        document = read_document(body, notation)
        result = capture_document(
            session, actor=actor, document=document, error_behaviour=error_behaviour
        )
        return result.job.id


def capture_event_body(database_url: str, *, actor: Actor, body: bytes) -> str:
    """The same for one event given on its own (POST /epcis/events); its eventID."""
    with unit_of_work(_own_sessions(database_url)) as session:
        event_id, _ = capture_event(session, actor=actor, event=read_document(body, "json"))
        return event_id
