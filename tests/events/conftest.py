"""Event tests: the event tables on both databases, keys, and the official examples."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.settings import Settings
from service.app import create_app
from tests.app_under_test import app_state_on, session_on
from tests.events.chain import Chained, build_chain
from tests.factories import api_headers
from tests.testdata import data_path

EXAMPLE_DIRS = ("examples", "examples-digital-link")


def official_examples() -> list[Path]:
    return sorted(
        path for folder in EXAMPLE_DIRS for path in data_path("epcis", folder).glob("*.jsonld")
    )


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def without_event_ids(document: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(document)
    for event in document["epcisBody"]["eventList"]:
        event.pop("eventID", None)
    return document


@pytest.fixture
def agency_headers(db_session: Session) -> dict[str, str]:
    return api_headers(db_session, role=Role.agency)


@pytest.fixture(scope="module")
def chained(settings: Settings, engine: Engine) -> Iterator[Chained]:
    """The chain built once for a module's tests on one database (about 1 s of requests
    each time), on a connection whose transaction is rolled back after the module. The
    module's `connection` is a savepoint on it for each test (savepoint_on): a
    test's writes are gone before the next test, as with a chain of its own."""
    with engine.connect() as connection:
        transaction = connection.begin()
        session = session_on(connection)
        app = create_app(settings, state=app_state_on(settings, connection, engine))
        with TestClient(app, base_url="https://truyxuat.dongthap.gov.vn") as client:
            chain = build_chain(session, client)
        # The chain's rows stay this session's: tests read their relations through it.
        yield Chained(chain, connection)
        session.close()
        transaction.rollback()
