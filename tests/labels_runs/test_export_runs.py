"""Export label runs for China through the API and the portal, on both databases: the PDF
carries the market's marks, the codes and the registration number and both symbols decode;
a lot that may not carry one is refused with nothing stored."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pypdfium2
import pytest
import zxingcpp
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from labels import fonts
from registry.actor import SYSTEM
from registry.locations.models import Location
from registry.lots.models import Lot
from registry.lots.service import create_lot
from registry.market_codes.models import ApprovalStatus, MarketCode
from registry.market_codes.service import set_approval
from registry.print_runs.models import LabelRun
from tests.factories import api_headers, make_enterprise, make_export_lot

pytestmark = pytest.mark.skipif(
    not fonts.CJK_FONT[0].is_file(), reason="fonts-wqy-microhei is not installed"
)
HARVEST = dt.date(2026, 6, 15)
REGISTRATION = "CVNM0123456789012"


@dataclass
class ExportLot:
    lot: Lot
    area: Location
    packhouse: Location
    headers: dict[str, str]


@pytest.fixture
def export_lot(db_session: Session) -> ExportLot:
    enterprise = make_enterprise(db_session, china_registration_number=REGISTRATION)
    lot = make_export_lot(db_session, enterprise=enterprise)
    assert lot.origin_location is not None and lot.packhouse_location_id is not None
    packhouse = db_session.get_one(Location, lot.packhouse_location_id)
    headers = api_headers(db_session, enterprise=enterprise)
    return ExportLot(lot, lot.origin_location, packhouse, headers)


def _runs(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(LabelRun)) or 0)


def test_an_export_run_prints_the_marks_for_china(
    app: FastAPI, client: TestClient, db_session: Session, export_lot: ExportLot
) -> None:
    body = {"lot_id": export_lot.lot.id, "count": 2, "layout": "roll-100x70"}
    created = client.post(
        "/api/v1/label-runs", headers=export_lot.headers, json={**body, "template": "export"}
    )
    assert created.status_code == 202, created.text
    assert created.json()["template"] == "export"
    run_id = created.json()["id"]
    assert app.state.truyxuat.print_jobs.wait(run_id, timeout=120) is None
    pdf = client.get(f"/api/v1/label-runs/{run_id}/output.pdf", headers=export_lot.headers)
    assert pdf.status_code == 200, pdf.text
    document = pypdfium2.PdfDocument(pdf.content)
    assert len(document) == 2
    page = document[0]
    text = re.sub(r"\s+", " ", page.get_textpage().get_text_range())
    image = page.render(scale=300 / 72).to_pil()
    document.close()
    for mark in (
        "Ri6 榴莲",
        "越南产品",
        "输往中华人民共和国",
        "Exported to the People's Republic of China",
        f"VN-DTOR-{export_lot.area.id:04d}",
        f"VN-DTPH-{export_lot.packhouse.id:04d}",
        export_lot.area.name,
        REGISTRATION,
        "Đồng Tháp",
        "15/06/2026",
    ):
        assert mark in text, mark
    found = {r.symbology_identifier: r.text for r in zxingcpp.read_barcodes(image)}
    gtin = export_lot.lot.product.gtin
    assert found["]d2"] == f"(01){gtin}(10){export_lot.lot.code}"
    assert f"/01/{gtin}/10/{export_lot.lot.code}/21/" in found["]Q1"]


def test_lots_that_may_not_carry_an_export_label_are_refused(
    client: TestClient, db_session: Session, export_lot: ExportLot
) -> None:
    before = _runs(db_session)
    url = "/api/v1/label-runs"
    body = {"lot_id": export_lot.lot.id, "count": 2, "layout": "roll-100x70", "template": "export"}
    domestic = create_lot(
        db_session,
        actor=SYSTEM,
        product=export_lot.lot.product,
        code="NOIDIA1",
        production_on=HARVEST,
    )
    small = client.post(url, headers=export_lot.headers, json={**body, "layout": "roll-50x30"})
    assert small.status_code == 422 and small.json()["errors"][0]["field"] == "layout"
    assert "70x50" in small.json()["message_en"]
    not_exported = client.post(
        url, headers=export_lot.headers, json={**body, "lot_id": domestic.id}
    )
    assert not_exported.status_code == 422
    assert "export market" in not_exported.json()["message_en"]
    unknown = client.post(url, headers=export_lot.headers, json={**body, "template": "poster"})
    assert unknown.status_code == 422
    other = api_headers(db_session, enterprise=make_enterprise(db_session))
    assert client.post(url, headers=other, json=body).status_code == 404

    product = export_lot.lot.product
    product.name_zh = None
    db_session.flush()
    nameless = client.post(url, headers=export_lot.headers, json=body)
    assert nameless.status_code == 422 and nameless.json()["errors"][0]["field"] == "name_zh"
    product.name_zh = "Ri6 榴莲"

    packhouse_code = db_session.scalar(
        select(MarketCode).where(MarketCode.location_id == export_lot.packhouse.id)
    )
    assert packhouse_code is not None
    set_approval(
        db_session,
        actor=SYSTEM,
        market_code=packhouse_code,
        market="CN",
        status=ApprovalStatus.suspended,
        reason="GACC tạm dừng",
    )
    suspended = client.post(url, headers=export_lot.headers, json=body)
    assert suspended.status_code == 422, suspended.text
    assert packhouse_code.code in suspended.json()["message_en"]
    preview = client.get(
        "/api/v1/labels/preview",
        headers=export_lot.headers,
        params={"lot_id": export_lot.lot.id, "size": "100x70", "template": "export"},
    )
    assert preview.status_code == 422
    assert _runs(db_session) == before
