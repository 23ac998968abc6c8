"""A 2xx means stored: the request's unit of work commits before the answer leaves.

These tests run the real app on a database of their own with real sessions (no shared
test transaction), so what one request wrote is seen by the next only once committed.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text

from registry.accounts.models import Role
from registry.accounts.service import create_api_key
from registry.actor import SYSTEM
from registry.db import is_sqlite, make_engine, make_sessionmaker, unit_of_work
from registry.events.steps import gln_uri, lot_uri
from registry.events.xml.write import epcis_xml
from registry.locations.models import Location
from registry.settings import Settings
from service.app import create_app
from tests.factories import epcis_document, make_enterprise, make_location, make_lot, make_product
from tests.live_app import free_port, uvicorn_thread

# The capture worker process commits the job before the request goes on, so a job read
# back at once is there by construction: a few captures show it.
CAPTURES = 50
# Writes in the request's own unit of work. Were it to commit after the answer (FastAPI's
# default "request" scope for yield dependencies), a read right after the 201 misses the
# row about 1 time in 30 on SQLite and 1 in 6 on PostgreSQL (measured): 250 catch it.
CREATIONS = 250
EVENT_DAY = dt.date.today() - dt.timedelta(days=2)


@dataclass(frozen=True)
class Committed:
    database_url: str
    engine: Engine
    headers: dict[str, str]
    lot_uri: str
    gln_uri: str
    location_id: int


@pytest.fixture(scope="module")
def committed(committed_database_url: str) -> Iterator[Committed]:
    engine = make_engine(committed_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        enterprise = make_enterprise(session)
        lot = make_lot(session, product=make_product(session, enterprise=enterprise))
        location = make_location(session, enterprise=enterprise)
        key = create_api_key(session, actor=SYSTEM, role=Role.enterprise, enterprise=enterprise)
        world = Committed(
            committed_database_url,
            engine,
            {"Authorization": f"Bearer {key.secret}"},
            lot_uri(lot),
            gln_uri(location.gln),
            location.id,
        )
    yield world
    engine.dispose()


def _settings(database_url: str, base_url: str) -> Settings:
    return Settings(database_url=database_url, base_url=base_url, secret_key="commit-test-key")


def _document(world: Committed, number: int) -> dict[str, Any]:
    moment = dt.datetime.combine(EVENT_DAY, dt.time(8)) + dt.timedelta(milliseconds=number)
    event = {
        "type": "ObjectEvent",
        "eventTime": moment.isoformat(timespec="milliseconds") + "+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "inspecting",
        "quantityList": [{"epcClass": world.lot_uri}],
        "readPoint": {"id": world.gln_uri},
    }
    return epcis_document(event, day=EVENT_DAY.isoformat())


@pytest.fixture(scope="module")
def served(committed: Committed) -> Iterator[str]:
    """The app served by uvicorn for the module's tests: its capture worker processes
    start once."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with uvicorn_thread(create_app(_settings(committed.database_url, url)), port):
        yield url


def test_a_capture_job_answers_at_its_location_right_after_the_202(
    committed: Committed, served: str
) -> None:
    missing: list[int] = []
    started = time.monotonic()
    with httpx.Client(base_url=served, headers=committed.headers, timeout=60) as http:
        for number in range(CAPTURES):
            answer = http.post("/epcis/capture", json=_document(committed, number))
            assert answer.status_code == 202, answer.text
            job = http.get(answer.headers["location"])
            if job.status_code != 200:
                missing.append(number)
    elapsed = time.monotonic() - started
    assert not missing, f"{len(missing)} of {CAPTURES} capture jobs not found right after 202"
    print(f"{CAPTURES} captures, each job read back at once: {elapsed:.1f} s")


def test_a_created_location_answers_at_its_location_right_after_the_201(
    committed: Committed, served: str
) -> None:
    missing: list[int] = []
    with httpx.Client(base_url=served, headers=committed.headers, timeout=60) as http:
        for number in range(CREATIONS):
            created = http.post(
                "/api/v1/locations", json={"name": f"Kho {number}", "kind": "warehouse"}
            )
            assert created.status_code == 201, created.text
            if http.get(f"/api/v1/locations/{created.json()['id']}").status_code != 200:
                missing.append(number)
    assert not missing, f"{len(missing)} of {CREATIONS} locations not found right after 201"


def _refuse_location_changes_at_commit(engine: Engine) -> str:
    """A rule the database enforces only when the transaction ends; returns its undo."""
    with engine.begin() as connection:
        if is_sqlite(str(engine.url)):
            # SQLite has no deferred triggers; this one fires at the flush inside commit.
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_at_commit BEFORE UPDATE ON location "
                    "BEGIN SELECT RAISE(ABORT, 'refused at commit'); END"
                )
            )
            return "DROP TRIGGER refuse_at_commit"
        connection.execute(
            text(
                "CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN RAISE EXCEPTION 'refused at commit' USING ERRCODE = 'check_violation'; "
                "END $$"
            )
        )
        connection.execute(
            text(
                "CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER UPDATE ON location "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_at_commit()"
            )
        )
    return "DROP TRIGGER refuse_at_commit ON location; DROP FUNCTION refuse_at_commit()"


def _address(world: Committed) -> str:
    with world.engine.connect() as connection:
        address: str = connection.scalar(
            select(Location.address).where(Location.id == world.location_id)
        )
        return address


def test_a_commit_refused_by_the_database_answers_a_problem_not_a_2xx(
    committed: Committed,
) -> None:
    before = _address(committed)
    undo = _refuse_location_changes_at_commit(committed.engine)
    app = create_app(_settings(committed.database_url, "https://truyxuat.dongthap.gov.vn"))
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            answer = client.patch(
                f"/api/v1/locations/{committed.location_id}",
                json={"address": "Ấp 9, xã Cái Bè"},
                headers=committed.headers,
            )
    finally:
        with committed.engine.begin() as connection:
            for statement in undo.split("; "):
                connection.execute(text(statement))
    assert answer.status_code == 409, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["message_en"]
    assert _address(committed) == before


def test_an_xml_capture_is_read_in_the_worker_and_its_job_committed(
    committed: Committed, served: str
) -> None:
    """The served app parses an XML body where it parses JSON: in its capture worker
    process, off the event loop; the job is readable once the 202 is answered."""
    body = epcis_xml(_document(committed, CAPTURES + 1))
    with httpx.Client(base_url=served, headers=committed.headers, timeout=60) as http:
        answer = http.post(
            "/epcis/capture", content=body, headers={"Content-Type": "application/xml"}
        )
        assert answer.status_code == 202, answer.text
        job = http.get(answer.headers["location"]).json()
        assert job["success"] is True and job["newEventCount"] == 1, job
        found = http.get(
            "/epcis/events",
            params={"EQ_readPoint": committed.gln_uri},
            headers={"Accept": "application/xml"},
        )
        assert found.status_code == 200
        assert found.headers["content-type"].startswith("application/xml")
        assert committed.lot_uri.encode() in found.content
