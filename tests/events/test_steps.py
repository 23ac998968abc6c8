"""Steps in plain words: the events they write, the journey and the exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft7Validator, FormatChecker
from openpyxl import load_workbook
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from registry.events.journey import lot_journey
from registry.events.models import EpcisEvent
from registry.events.steps import CONTEXT
from tests.app_under_test import savepoint_on
from tests.events.chain import Chain, Chained
from tests.events.oracle import oracle_hash
from tests.testdata import load_json

SCHEMA = load_json("epcis", "EPCIS-JSON-Schema.json")
VALIDATOR = Draft7Validator(SCHEMA, format_checker=FormatChecker())


@pytest.fixture
def connection(chained: Chained) -> Iterator[Connection]:
    yield from savepoint_on(chained.connection)


@pytest.fixture
def chain(chained: Chained) -> Chain:
    return chained.chain


def test_step_events_follow_the_design_mapping_and_hash(chain: Chain, db_session: Session) -> None:
    events = list(db_session.scalars(select(EpcisEvent)))
    kinds = {(e.event_type, e.action, e.biz_step) for e in events}
    assert ("ObjectEvent", "ADD", "commissioning") in kinds
    assert ("TransformationEvent", None, "packing") in kinds
    assert ("TransformationEvent", None, "commissioning") in kinds
    assert ("AggregationEvent", "ADD", "packing") in kinds
    assert ("ObjectEvent", "OBSERVE", "shipping") in kinds
    assert ("ObjectEvent", "OBSERVE", "receiving") in kinds
    for event in events:
        document = {k: v for k, v in event.document.items() if k != "@context"}
        assert oracle_hash(document, CONTEXT) == event.event_id
        harvest = event.biz_step == "commissioning" and event.action == "ADD"
        assert ("cbvmda:harvestStartDate" in document.get("ilmd", {})) == harvest


def test_inspection_storage_and_recall(
    chain: Chain, client: TestClient, agency_headers: dict[str, str]
) -> None:
    retailer, owner = chain.parties["retailer"], chain.parties["distributor"]
    lot = chain.lots["D0"]
    verdicts = (
        ("inspect", {"passed": False, "report_number": "KN-01"}),
        ("recall", {"reason": "Dư lượng thuốc BVTV"}),
    )
    # The retailer received D0: it may store it, but a verdict on it is the owner's.
    for party, path, body, status in (
        (retailer, "store", {}, 201),
        *((retailer, path, body, 403) for path, body in verdicts),
        *((owner, path, body, 201) for path, body in verdicts),
    ):
        body = {"location_id": party.location.id, **body}
        response = client.post(f"/api/v1/lots/{lot.id}/{path}", json=body, headers=party.headers)
        assert response.status_code == status, response.text
    recalled = client.get(
        "/epcis/events", params={"EQ_disposition": "recalled"}, headers=agency_headers
    ).json()
    events = recalled["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert len(events) == 1 and events[0]["disposition"] == "recalled"
    failed = client.get(
        "/epcis/events",
        params={"EQ_disposition": "non_conformant", "EQ_bizStep": "inspecting"},
        headers=agency_headers,
    ).json()
    assert len(failed["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 1


def test_journey_of_a_retail_lot_goes_back_to_the_farms(chain: Chain, db_session: Session) -> None:
    lot = chain.lots["D0"]
    steps = lot_journey(db_session, gtin=lot.product.gtin, lot=lot.code)
    kinds = [s.step for s in steps]
    assert kinds.count("harvest") == len([n for n in chain.upstream("D0") if n.startswith("F")])
    assert {"pack", "process", "ship", "receive"} <= set(kinds)
    assert [s.occurred_at for s in steps] == sorted(s.occurred_at for s in steps)
    shipped = [s for s in steps if s.step == "ship"]
    assert all(s.detail_vi.startswith("Gửi đến") and s.location_name for s in shipped)
    assert all(s.title_vi and s.title_en and s.party_name for s in steps)
    assert lot_journey(db_session, gtin=lot.product.gtin, lot="NO-SUCH-LOT") == []


def test_export_csv_xlsx_and_epcis_hold_the_same_events(
    chain: Chain, client: TestClient, agency_headers: dict[str, str]
) -> None:
    lot = chain.lots["P0"]
    params: dict[str, Any] = {"lot_id": lot.id}
    as_csv = client.get(
        "/api/v1/events/export", params={**params, "format": "csv"}, headers=agency_headers
    )
    assert as_csv.status_code == 200, as_csv.text
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    as_xlsx = client.get(
        "/api/v1/events/export", params={**params, "format": "xlsx"}, headers=agency_headers
    )
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    table = [[c if c is not None else "" for c in r] for r in sheet.iter_rows(values_only=True)]
    assert table[0] == list(rows[0].keys())
    assert [dict(zip(table[0], r, strict=True)) for r in table[1:]] == rows
    as_epcis = client.get(
        "/api/v1/events/export", params={**params, "format": "epcis"}, headers=agency_headers
    ).json()
    assert not list(VALIDATOR.iter_errors(as_epcis))
    event_ids = {e["eventID"] for e in as_epcis["epcisBody"]["eventList"]}
    assert {r["event_id"] for r in rows} == event_ids
    own = [r for r in rows if r["traceability_lot_code"] == lot.code]
    assert {r["step"] for r in own} >= {"pack", "process"}
    shipped = [r for r in rows if r["step"] == "ship"]
    assert shipped and all(r["source"] and r["destination"] for r in shipped)
    assert all(
        r["gtin"] == lot.product.gtin and r["quantity"] and r["unit"]
        for r in own
        if r["role"].endswith("quantity")
    )
