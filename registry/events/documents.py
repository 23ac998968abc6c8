"""EPCIS 2.0 JSON-LD documents built from stored events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Final

from registry.db import utcnow
from registry.events.models import EpcisEvent
from registry.events.vocabulary import STANDARD_CONTEXT

SCHEMA_VERSION: Final = "2.0"
SIMPLE_EVENT_QUERY: Final = "SimpleEventQuery"


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def served_event(event: EpcisEvent) -> dict[str, Any]:
    """The stored event as served: identifiers in Digital Link form, with its recordTime."""
    document = dict(event.document)
    document["recordTime"] = iso(event.record_time)
    return document


def standalone_event(event: EpcisEvent) -> dict[str, Any]:
    """One event served on its own: a JSON-LD document in itself, so it carries the EPCIS
    context (before its own extension prefixes), as the schema requires of a lone event."""
    document = served_event(event)
    own = document.pop("@context", None)
    contexts = own if isinstance(own, list) else [own] if own else []
    if not any(isinstance(c, str) and c.endswith("epcis-context.jsonld") for c in contexts):
        contexts = [STANDARD_CONTEXT, *contexts]
    return {"@context": contexts, **document}


def query_document(
    events: Iterable[EpcisEvent], *, query_name: str = SIMPLE_EVENT_QUERY
) -> dict[str, Any]:
    return {
        "@context": [STANDARD_CONTEXT],
        "type": "EPCISQueryDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": iso(utcnow()),
        "epcisBody": {
            "queryResults": {
                "queryName": query_name,
                "resultsBody": {"eventList": [served_event(e) for e in events]},
            }
        },
    }


def epcis_document(events: Iterable[EpcisEvent]) -> dict[str, Any]:
    return {
        "@context": [STANDARD_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": iso(utcnow()),
        "epcisBody": {"eventList": [served_event(e) for e in events]},
    }


def collection(members: Iterable[str]) -> dict[str, Any]:
    """The REST binding's Collection of a discovery endpoint (openapi.yaml *Collection)."""
    return {"@context": [STANDARD_CONTEXT], "type": "Collection", "member": list(members)}
