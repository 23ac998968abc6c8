"""The demo shows everything on first start: loaded twice (nothing doubles), then seen
through HTTP as a newcomer would — the dashboard counts scans, each printed Digital Link
gets the verdict it claims, and the agency's queues have work in them."""

from __future__ import annotations

import csv
import html
import io
import time
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.population.models import PopulationEntry
from registry.print_runs.models import LabelRun
from registry.recalls.models import Recall
from registry.reports.models import ConsumerReport
from registry.scans.models import AgentClass, Scan, SerialScanSource, SourceKind
from service import ratelimit
from service.demo import AGENCY_EMAIL, DEMO_PASSWORD, load_demo
from service.demo_links import verdict_links
from service.demo_scenes import PENDING, RECALLED_LOT, REPORTS, copied_serial

HTML = {"accept": "text/html"}
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

    for kind, link in verdict_links(db_session, "https://truyxuat.dongthap.gov.vn"):
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

    copied = copied_serial(db_session)
    for path, shows in (
        ("/agency/reports", REPORTS[0].message),
        ("/agency/prefix-requests", PENDING.legal_name),
        ("/agency/enterprises?status=pending", PENDING.legal_name),
        ("/agency/suspicious", copied),
        ("/agency/recalls", RECALLED_LOT[1]),
    ):
        page = client.get(path, headers=HTML)
        assert page.status_code == 200, path
        assert html.escape(shows, quote=False) in page.text, (path, shows)
