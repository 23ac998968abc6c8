"""Stored events get the hash the current algorithm gives them.

Events captured before the hash followed CBV 2.0 to the letter (sensor components and
exceptions as full CBV URIs, extension fields on sensor elements, no rdfs:comment) keep
the hash they were stored with, so a trading partner's copy of the same event does not
match. An event captured without an eventID was given its hash as eventID: that id moves
with the hash, or a later capture of the same event would be stored a second time.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.events.hashing import context_namespaces, event_hash
from registry.events.models import EpcisEvent

BATCH_SIZE = 1000


@dataclass(frozen=True)
class RehashSummary:
    checked: int
    rehashed: int
    renamed: int


def rehash_events(session: Session) -> RehashSummary:
    """Recompute every stored event's hash; store it where it differs. Flushes, never commits."""
    checked = rehashed = renamed = 0
    last_id = 0
    while True:
        batch = session.scalars(
            select(EpcisEvent)
            .where(EpcisEvent.id > last_id)
            .order_by(EpcisEvent.id)
            .limit(BATCH_SIZE)
        ).all()
        if not batch:
            break
        for event in batch:
            checked += 1
            document = event.document
            content_hash = event_hash(document, context_namespaces(document.get("@context")))
            if content_hash == event.content_hash:
                continue
            rehashed += 1
            if event.event_id == event.content_hash:
                event.event_id = content_hash
                event.document = {**document, "eventID": content_hash}
                renamed += 1
            event.content_hash = content_hash
        last_id = batch[-1].id
        session.flush()
    return RehashSummary(checked=checked, rehashed=rehashed, renamed=renamed)
