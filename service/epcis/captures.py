"""Where a capture document (or one event) is parsed, checked and stored: a worker process
with its own connection (registry.events.capture_worker), or, for tests whose whole world
lives in one open transaction (inline jobs), the request's thread and session."""

from __future__ import annotations

from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.events.capture import capture_document, capture_event
from registry.events.capture_worker import capture_body, capture_event_body
from registry.events.models import CaptureJob
from registry.events.received import Notation, read_document
from service.state import AppState


def store_capture(
    state: AppState,
    session: Session,
    *,
    actor: Actor,
    body: bytes,
    notation: Notation,
    error_behaviour: str,
) -> CaptureJob:
    """Store the document; its job is committed and readable when this returns."""
    if state.inline_jobs:
        document = read_document(body, notation)
        return capture_document(
            session, actor=actor, document=document, error_behaviour=error_behaviour
        ).job
    # The worker writes through its own connection: end this request's transaction
    # first (on SQLite it holds the write lock the worker needs).
    session.commit()
    job_id = state.workers.run(
        capture_body,
        state.settings.database_url,
        actor=actor,
        body=body,
        notation=notation,
        error_behaviour=error_behaviour,
    )
    return session.get_one(CaptureJob, job_id)


def store_event(state: AppState, session: Session, *, actor: Actor, body: bytes) -> str:
    """Store one event given on its own; its eventID, committed when this returns."""
    if state.inline_jobs:
        return capture_event(session, actor=actor, event=read_document(body, "json"))[0]
    session.commit()  # as above
    return state.workers.run(
        capture_event_body, state.settings.database_url, actor=actor, body=body
    )
