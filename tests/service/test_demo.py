"""The demo shows everything on first start: loaded twice (nothing doubles), then seen
through HTTP as a newcomer would — the dashboard counts scans, each printed Digital Link
gets the verdict it claims, and the agency's queues have work in them."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
import time
from urllib.parse import quote

import pypdfium2
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.consignments.models import Consignment
from registry.gpc.service import find_brick
from registry.locations.models import Location, LocationKind
from registry.market_codes.models import GuardRefusal
from registry.market_codes.service import LotExportCodes, active_code, export_codes_for_lot
from registry.population.models import PopulationEntry
from registry.print_runs.export_content import export_content
from registry.print_runs.models import LabelRun, RunTemplate
from registry.products.master_data import completeness
from registry.recalls.models import Recall
from registry.reports.models import ConsumerReport
from registry.scans.models import AgentClass, Scan, SerialScanSource, SourceKind
from service import ratelimit
from service.demo import AGENCY_EMAIL, DEMO_PASSWORD, load_demo
from service.demo_export import (
    AREA_CODE,
    CERTIFICATE,
    CONTAINER,
    EXPORT_LOT,
    GROWING_AREA,
    PACKHOUSE,
    PACKHOUSE_CODE,
    REFUSED_LOT,
    SUSPENDED_AREA,
    SUSPENDED_CODE,
    export_lot_link,
)
from service.demo_links import verdict_links
from service.demo_scenes import PENDING, RECALLED_LOT, REPORTS, copied_serial, demo_lot

HTML = {"accept": "text/html"}
BASE_URL = "https://truyxuat.dongthap.gov.vn"
COUNTED = (LabelRun, Scan, Recall, ConsumerReport, PopulationEntry)


def _counts(session: Session) -> dict[str, int]:
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in COUNTED
    }


def test_demo_loads_twice_and_shows_everything(client: TestClient, db_session: Session) -> None:
    started = time.perf_counter()
    load_demo(db_session)
    first_load = time.perf_counter() - started
    first = _counts(db_session)
    load_demo(db_session)
    assert _counts(db_session) == first
    assert first["Scan"] >= 3000
    assert all(first.values()), first
    # Thousands of scans through the scans domain still load in seconds.
    assert first_load < 60, first_load
    agents = set(db_session.scalars(select(Scan.agent_class).distinct()))
    assert agents == {AgentClass.mobile.value}  # phones, never bots
    wards = db_session.scalar(select(func.count(func.distinct(Scan.ward_code))))
    assert (wards or 0) >= 20
    networks = db_session.scalar(
        select(func.count(func.distinct(SerialScanSource.source))).where(
            SerialScanSource.kind == SourceKind.network.value
        )
    )
    assert (networks or 0) >= 40
    months = {moment.strftime("%Y-%m") for moment in db_session.scalars(select(Scan.scanned_at))}
    assert len(months) >= 6
    assert db_session.scalar(select(func.count()).where(ConsumerReport.photo.is_not(None))) == 1

    for kind, link in verdict_links(db_session, BASE_URL):
        answer = client.get(f"/api/v1/verify?uri={quote(link, safe='')}")
        body = answer.json()
        assert body["verdict"] == kind, (link, body)

    ratelimit.reset()
    signed_in = client.post(
        "/api/v1/auth/login", json={"email": AGENCY_EMAIL, "password": DEMO_PASSWORD}
    )
    assert signed_in.status_code == 200, signed_in.text
    indicators = client.get("/agency/export/indicators.csv")
    assert indicators.status_code == 200
    table = {row[0]: row[1] for row in csv.reader(io.StringIO(indicators.text.lstrip("\ufeff")))}
    assert float(table["Lượt quét của người tiêu dùng"]) > 0
    assert float(table["Tỷ lệ tham gia"]) > 0  # adoption against the register sample
    assert float(table["Nhãn đã phát hành"]) > 0

    _the_export_lot_is_traced(client, db_session)

    copied = copied_serial(db_session)
    for path, shows in (
        ("/agency/reports", REPORTS[0].message),
        ("/agency/prefix-requests", PENDING.legal_name),
        ("/agency/enterprises?status=pending", PENDING.legal_name),
        ("/agency/suspicious", copied),
        ("/agency/recalls", RECALLED_LOT[1]),
        ("/agency/code-warnings", REFUSED_LOT[1]),
        ("/agency/market-codes", SUSPENDED_CODE),
    ):
        page = client.get(path, headers=HTML)
        assert page.status_code == 200, path
        assert html.escape(shows, quote=False) in page.text, (path, shows)


def _journey_lines(page: str) -> list[str]:
    """The consumer page's journey, one line per step, as the shopper reads it."""
    found = re.search(r'<ol class="journey">(.*?)</ol>', page, re.S)
    assert found, "no journey on the page"
    steps = re.findall(r"<li>(.*?)</li>", found.group(1), re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", step)).split()) for step in steps]


def _the_export_lot_is_traced(client: TestClient, session: Session) -> None:
    """The durian cooperative's export lot: grown in its growing area, harvested at dawn
    (06:30 in Viet Nam, still the day before in UTC), packed in its packhouse; its codes
    active for China on the harvest day, a lot from the suspended area refused."""
    lot = demo_lot(session, *EXPORT_LOT)
    assert lot.origin_location is not None
    assert lot.origin_location.kind is LocationKind.growing_area
    assert lot.origin_location.name == GROWING_AREA
    assert export_codes_for_lot(session, lot) == LotExportCodes(
        "CN", GROWING_AREA, AREA_CODE, PACKHOUSE, PACKHOUSE_CODE
    )
    assert lot.production_on is not None
    suspended = session.scalars(select(Location).where(Location.name == SUSPENDED_AREA)).one()
    on = lot.production_on
    assert active_code(session, location_id=suspended.id, market="CN", on=on) is None
    assert active_code(session, location_id=lot.origin_location.id, market="AU", on=on) is None
    refused = session.scalars(select(GuardRefusal)).one()
    assert (refused.lot_code, refused.market, refused.code) == (
        REFUSED_LOT[1],
        "CN",
        SUSPENDED_CODE,
    )
    assert refused.lot_id is None  # the refused lot was never kept
    # Master data for GS1: all but a product photo, the brick from the sample GPC.
    product = lot.product
    assert (product.name_zh, product.gpc_brick_code, product.target_markets) == (
        "榴莲",
        "10005806",
        "156",
    )
    # Its consignment for China: the dossier holds the codes, the certificate, the container,
    # and the EPCIS document the harvest, the packing and the shipping.
    consignment = session.scalars(select(Consignment)).one()
    assert [item.lot_id for item in consignment.lots] == [lot.id]
    dossier = client.get(f"/api/v1/consignments/{consignment.id}/dossier.pdf")
    assert dossier.status_code == 200, dossier.text
    pdf = pypdfium2.PdfDocument(dossier.content)
    # Table cells wrap long codes onto a second line: compare without the line breaks.
    text = "".join("".join(page.get_textpage().get_text_range() for page in pdf).split())
    for fact in (AREA_CODE, PACKHOUSE_CODE, CERTIFICATE, CONTAINER, lot.code):
        assert fact in text, (fact, text)
    document = client.get(f"/api/v1/consignments/{consignment.id}/dossier.jsonld")
    assert document.status_code == 200, document.text
    steps = [event["bizStep"] for event in document.json()["epcisBody"]["eventList"]]
    assert {"commissioning", "packing", "shipping"} <= set(steps), steps
    score = completeness(product, known_bricks=frozenset({"10005806"}))
    assert [a.key for a in score.missing] == ["image_url"]
    assert find_brick(session, "10005806") is not None
    # Its export labels, and the first label's Digital Link, opened in Chinese.
    run = session.scalars(select(LabelRun).where(LabelRun.lot_id == lot.id)).one()
    assert (run.template, run.serialized) == (RunTemplate.export, True)
    marks = [text for text, _bold in export_content(session, lot).lines]
    for mark in (AREA_CODE, PACKHOUSE_CODE, "输往中华人民共和国", "榴莲"):
        assert any(mark in line for line in marks), (mark, marks)
    link = export_lot_link(session, BASE_URL)
    assert link is not None and f"/10/{lot.code}/21/" in link and link.endswith("lang=zh")
    verdict = client.get(f"/api/v1/verify?uri={quote(link, safe='')}").json()["verdict"]
    assert verdict == "genuine"
    chinese = client.get(link.replace(BASE_URL, "/p", 1), headers=HTML)
    assert chinese.status_code == 200, chinese.text
    assert '<html lang="zh-Hans"' in chinese.text and "榴莲" in chinese.text
    page = client.get(link.replace(BASE_URL, "/p", 1).replace("lang=zh", "lang=vi"), headers=HTML)
    assert page.status_code == 200, page.text
    harvested = lot.production_on
    assert harvested is not None
    packed = (harvested + dt.timedelta(days=1)).strftime("%d/%m/%Y")
    journey = _journey_lines(page.text)
    assert journey[0] == f"{harvested:%d/%m/%Y} Thu hoạch {GROWING_AREA}", journey
    assert any(line.startswith(f"{packed} Đóng gói {PACKHOUSE}") for line in journey), journey
