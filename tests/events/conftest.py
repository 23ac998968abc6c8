"""Event tests: the event tables on both databases, keys, and the official examples."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from registry.accounts.models import Role
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
