"""Stored events take the current hash (`truyxuat events rehash`), on both databases."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.actor import SYSTEM
from registry.db import make_engine, make_sessionmaker, unit_of_work
from registry.events.capture import capture_document
from registry.events.models import EpcisEvent
from registry.events.rehash import rehash_events
from service.cli import main
from tests.events.conftest import load, official_examples, without_event_ids
from tests.testdata import data_path

SENSOR_EXAMPLES = sorted(data_path("epcis", "examples-json-all", "WithSensorData").glob("*.jsonld"))


def _documents() -> list[dict[str, Any]]:
    """The official examples, and those with sensor data (where the hash changed most)."""
    return [without_event_ids(load(p)) for p in [*official_examples(), *SENSOR_EXAMPLES]]


def _age(session: Session) -> dict[str, tuple[str, str]]:
    """Give every stored event an older algorithm's hash (and, without an eventID of its
    own, the id that came with it); what each had before."""
    before = {}
    for number, event in enumerate(session.scalars(select(EpcisEvent).order_by(EpcisEvent.id))):
        before[str(event.id)] = (event.event_id, event.content_hash)
        old = f"ni:///sha-256;{number:064x}?ver=CBV2.0"
        if event.event_id == event.content_hash:
            event.event_id = old
            event.document = {**event.document, "eventID": old}
        event.content_hash = old
    session.flush()
    return before


def _now(session: Session) -> dict[str, tuple[str, str]]:
    session.expire_all()
    return {
        str(e.id): (e.event_id, e.content_hash)
        for e in session.scalars(select(EpcisEvent).order_by(EpcisEvent.id))
    }


def test_stored_hashes_are_recomputed_where_they_differ(db_session: Session) -> None:
    documents = _documents()
    for document in documents:
        capture_document(db_session, actor=SYSTEM, document=document)
    stored = _now(db_session)
    assert len(stored) > 20

    untouched = rehash_events(db_session)
    assert (untouched.checked, untouched.rehashed) == (len(stored), 0)

    before = _age(db_session)
    assert before == stored
    summary = rehash_events(db_session)
    assert (summary.checked, summary.rehashed, summary.renamed) == (len(stored),) * 3
    assert _now(db_session) == stored
    assert all(e.document["eventID"] == e.event_id for e in db_session.scalars(select(EpcisEvent)))
    for document in documents:
        again = capture_document(db_session, actor=SYSTEM, document=document)
        assert again.job.new_event_count == 0


def test_events_rehash_command(migrated_cli_env: str) -> None:
    runner = CliRunner()
    engine = make_engine(migrated_cli_env)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as session:
        capture_document(
            session, actor=SYSTEM, document=without_event_ids(load(SENSOR_EXAMPLES[0]))
        )
        stored = _now(session)
        _age(session)

    result = runner.invoke(main, ["events", "rehash"])
    assert result.exit_code == 0, result.output
    assert f"{len(stored)} events checked, {len(stored)} rehashed" in result.output
    with unit_of_work(sessions) as session:
        assert _now(session) == stored
    again = runner.invoke(main, ["events", "rehash"])
    assert f"{len(stored)} events checked, 0 rehashed" in again.output
    engine.dispose()
