"""The test-only oracle: epcis-event-hash-generator, the reference implementation of the
CBV 2.0 event hash. Used as it is, with two documented workarounds for its bugs."""

from __future__ import annotations

import copy
import json
import logging
from functools import cache
from typing import Any

from epcis_event_hash_generator import hash_generator, json_to_py
from pyld.jsonld import JsonLdError

logging.getLogger().setLevel(logging.CRITICAL)


class OracleCannotRead(Exception):
    pass


def _readable(document: dict[str, Any]) -> dict[str, Any]:
    # The oracle concatenates every @context term definition as a string, so expanded
    # definitions such as {"@type": "@id"} crash it; they do not change any prefix.
    document = copy.deepcopy(document)
    context = document.get("@context")
    if isinstance(context, list):
        document["@context"] = [
            c if isinstance(c, str) else {k: v for k, v in c.items() if isinstance(v, str)}
            for c in context
        ]
    return document


def oracle_hashes(document: dict[str, Any]) -> list[str]:
    """The oracle's hash of each event of an EPCISDocument, one event at a time."""
    hashes = []
    for event in document["epcisBody"]["eventList"]:
        single = {**document, "epcisBody": {"eventList": [event]}}
        answer = _single_event_hashes(json.dumps(single))
        if isinstance(answer, OracleCannotRead):
            raise OracleCannotRead(*answer.args)
        hashes.extend(answer)
    return hashes


@cache
def _single_event_hashes(single: str) -> tuple[str, ...] | OracleCannotRead:
    """The oracle's answer for one document of one event, given as JSON text: computed once
    per process, since the same official examples are hashed by several tests on each
    database, and pyld processes the whole EPCIS context anew for every document (its
    cache of processed contexts is keyed by a uuid of each new active context)."""
    json_to_py._namespaces.clear()  # module-global state in the oracle
    try:
        events = json_to_py.event_list_from_epcis_document_json(_readable(json.loads(single)))
        prehashes = hash_generator.derive_prehashes_from_events(events)
    except (IndexError, KeyError, TypeError, JsonLdError) as exc:
        return OracleCannotRead(repr(exc))
    if not prehashes:
        return OracleCannotRead("no pre-hash")
    return tuple(hash_generator.calculate_hashes_from_pre_hashes(prehashes))


def oracle_hash(event: dict[str, Any], context: Any) -> str:
    document = {
        "@context": context,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2024-01-01T00:00:00Z",
        "epcisBody": {"eventList": [event]},
    }
    return oracle_hashes(document)[0]
