"""The agency's pages as staff use them: access, CSP, charts, the PDF report, work queues."""

from __future__ import annotations

import datetime as dt
import io
import re

import pypdfium2 as pdfium
import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.audit.models import AuditEntry
from registry.certificates.models import Certificate
from registry.enterprises.models import EnterpriseStatus
from registry.events.models import EpcisEvent, TraceLink
from registry.lots.models import Lot, LotStatus
from registry.population.models import PopulationEntry
from registry.recalls.models import Recall
from registry.reports.models import ConsumerReport, ReportStatus
from registry.reports.service import submit_report
from registry.reports.triage import ReportTriage, TriageStatus
from registry.resolution.verdict import active_recall
from registry.scans.models import SerialScanDay
from registry.scans.recorder import ScanRecord, write_batch
from service import ratelimit
from tests.agency.conftest import csrf_of
from tests.agency.world import PERIOD, build_world
from tests.factories import (
    PASSWORD,
    make_certificate,
    make_enterprise,
    make_lot,
    make_product,
    make_user,
)
from tests.resolver.conftest import seed_sources

HTML = {"accept": "text/html"}


def test_pages_need_agency_staff(client: TestClient, db_session: Session) -> None:
    signed_out = client.get("/agency/", headers=HTML, follow_redirects=False)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/login?next=")
    enterprise = make_enterprise(db_session)
    user = make_user(db_session, role=Role.enterprise, enterprise=enterprise)
    db_session.flush()
    ratelimit.reset()
    client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    for path in (
        "/agency/",
        "/agency/export/by_ward.csv",
        "/agency/report.pdf",
        "/agency/enterprises",
        "/agency/recalls",
    ):
        assert client.get(path, headers=HTML).status_code == 403, path


def test_dashboard_is_strict_csp_and_accessible(db_session: Session, staff: TestClient) -> None:
    build_world(db_session, scans=60)
    page = staff.get(f"/agency/?period={PERIOD}", headers=HTML)
    assert "script-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    assert "<script" not in html and "style=" not in html and "<style" not in html
    assert '<link rel="stylesheet" href="/static/agency.css">' in html
    assert staff.get("/static/agency.css").status_code == 200
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(svgs) == 4
    for svg in svgs:
        assert "<title id=" in svg and "<desc id=" in svg and 'role="img"' in svg
    assert html.count("<details>") == 4
    english = staff.get(f"/agency/?period={PERIOD}&lang=en", headers=HTML).text
    assert "Adoption rate" in english and "Consumer scans" in english
    assert "Quý 3/2025" in html and "2025-Q3" in english


def test_dashboard_folds_its_tables_and_filters_until_asked(
    db_session: Session, staff: TestClient
) -> None:
    build_world(db_session, scans=60)
    html = staff.get(f"/agency/?period={PERIOD}", headers=HTML).text
    folded = re.findall(r'<details class="card table-card" id="table-(\w+)"(\s+open)?>', html)
    assert len(folded) == 7 and not any(opened for _, opened in folded)
    assert re.search(r"Theo phường/xã <span class=\"muted\">· \d+ dòng</span>", html)
    assert '<details class="filter-box">' in html
    sorted_page = staff.get(f"/agency/?period={PERIOD}&sort_by_ward=-label", headers=HTML).text
    assert '<details class="card table-card" id="table-by_ward" open>' in sorted_page
    assert '<details class="card table-card" id="table-places">' in sorted_page
    wrong_period = staff.get("/agency/?period=2026-Q9", headers=HTML).text
    assert '<details class="filter-box" open>' in wrong_period


def test_periodic_report_pdf(db_session: Session, staff: TestClient) -> None:
    build_world(db_session, scans=60)
    response = staff.get(f"/agency/report.pdf?period={PERIOD}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = pdfium.PdfDocument(response.content)
    text = " ".join(
        " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))).split()
    )
    pdf.close()
    assert "Báo cáo định kỳ" in text and "Quý 3/2025" in text
    assert "Tỷ lệ tham gia theo phường/xã" in text
    assert "Sản phẩm được quét nhiều nhất" in text
    assert b"TruyxuatSans" in response.content or b"OpenSans" in response.content
    # The report shows the dashboard's numbers.
    page = staff.get(f"/agency/?period={PERIOD}", headers=HTML).text
    scans = re.search(r'id="indicator-scans">.*?data-value="([0-9.]+)"', page, flags=re.S)
    assert scans is not None
    assert f"Lượt quét của người tiêu dùng {int(float(scans.group(1)))} " in text


def test_verify_and_reject_from_the_queue(db_session: Session, staff: TestClient) -> None:
    waiting = make_enterprise(db_session, verified=False, prefix=False, legal_name="HTX Chờ")
    other = make_enterprise(db_session, verified=False, prefix=False, legal_name="HTX Sai")
    db_session.flush()
    page = staff.get("/agency/enterprises", headers=HTML)
    assert "HTX Chờ" in page.text and "HTX Sai" in page.text
    token = csrf_of(page.text)
    forged = staff.post(
        f"/agency/enterprises/{waiting.id}/verify", data={"csrf_token": "x"}, headers=HTML
    )
    assert forged.status_code == 403
    assert waiting.status is EnterpriseStatus.pending
    done = staff.post(
        f"/agency/enterprises/{waiting.id}/verify",
        data={"csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303
    db_session.refresh(waiting)
    assert waiting.status is EnterpriseStatus.verified and waiting.verified_at is not None
    no_reason = staff.post(
        f"/agency/enterprises/{other.id}/reject",
        data={"csrf_token": token, "reason": " "},
        headers=HTML,
    )
    assert no_reason.status_code == 422 and "lý do" in no_reason.text
    staff.post(
        f"/agency/enterprises/{other.id}/reject",
        data={"csrf_token": token, "reason": "Sai mã số thuế"},
        headers=HTML,
    )
    db_session.refresh(other)
    assert other.status is EnterpriseStatus.rejected and other.status_reason == "Sai mã số thuế"
    actions = set(
        db_session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.entity_id.in_([str(waiting.id), str(other.id)])
            )
        )
    )
    assert {"verify", "reject"} <= actions


def test_recall_lots_then_end(db_session: Session, staff: TestClient) -> None:
    enterprise = make_enterprise(db_session)
    product = make_product(db_session, enterprise=enterprise, name_vi="Mắm cá linh")
    bad, good = make_lot(db_session, product=product), make_lot(db_session, product=product)
    downstream = make_lot(
        db_session, product=make_product(db_session, enterprise=enterprise, name_vi="Mắm trộn")
    )
    event = EpcisEvent(
        event_id="urn:uuid:r1",
        content_hash="x",
        event_type="TransformationEvent",
        event_time=dt.datetime.now(dt.UTC),
        document={},
    )
    db_session.add(event)
    db_session.flush()
    db_session.add(
        TraceLink(
            from_node=f"https://id.gs1.org/01/{product.gtin}/10/{bad.code}",
            to_node=f"https://id.gs1.org/01/{downstream.product.gtin}/10/{downstream.code}",
            kind="transform",
            event_pk=event.id,
        )
    )
    db_session.flush()
    page = staff.get(f"/agency/recalls?product={product.id}", headers=HTML)
    assert bad.code in page.text
    token = csrf_of(page.text)
    response = staff.post(
        "/agency/recalls",
        headers=HTML,
        follow_redirects=False,
        data={
            "csrf_token": token,
            "product_id": str(product.id),
            "scope": "lots",
            "decision": "confirm",
            "lot_ids": [str(bad.id)],
            "reason_vi": "Vượt ngưỡng histamin",
            "notice_vi": "Ngừng sử dụng lô này.",
            "notice_en": "Stop using this lot.",
        },
    )
    assert response.status_code == 303
    db_session.expire_all()
    assert db_session.get(Lot, bad.id).status is LotStatus.recalled  # type: ignore[union-attr]
    assert db_session.get(Lot, good.id).status is LotStatus.active  # type: ignore[union-attr]
    recall = db_session.scalars(select(Recall).where(Recall.product_id == product.id)).one()
    assert recall.lot_id == bad.id
    # The resolver's own lookup now finds it: consumers will see the recall.
    assert (
        active_recall(
            db_session,
            product=product,
            lot=db_session.get(Lot, bad.id),
            now=dt.datetime.now(dt.UTC),
        )
        is not None
    )
    detail = staff.get(response.headers["location"], headers=HTML)
    assert "Mắm trộn" in detail.text and downstream.code in detail.text
    twice = staff.post(
        "/agency/recalls",
        headers=HTML,
        data={
            "csrf_token": token,
            "product_id": str(product.id),
            "scope": "lots",
            "decision": "confirm",
            "lot_ids": [str(bad.id)],
            "reason_vi": "x",
            "notice_vi": "y",
        },
    )
    assert twice.status_code == 409
    staff.post(f"/agency/recalls/{recall.id}/end", data={"csrf_token": token}, headers=HTML)
    db_session.expire_all()
    assert db_session.get(Lot, bad.id).status is LotStatus.active  # type: ignore[union-attr]
    assert db_session.get(Recall, recall.id).ended_at is not None  # type: ignore[union-attr]
    assert {"recall", "end_recall"} <= set(
        db_session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "recall"))
    )


def test_report_triage(db_session: Session, staff: TestClient) -> None:
    report = submit_report(
        db_session,
        kind="counterfeit",
        message="Tem mờ, nghi giả",
        device_hash="d" * 32,
        gtin="08930000000017",
    )
    page = staff.get("/agency/reports", headers=HTML)
    assert "Tem mờ, nghi giả" in page.text
    token = csrf_of(page.text)
    staff.post(
        f"/agency/reports/{report.id}/triage",
        data={"csrf_token": token, "status": "in_progress"},
        headers=HTML,
    )
    db_session.expire_all()
    assert db_session.get(ReportTriage, report.id).status is TriageStatus.in_progress  # type: ignore[union-attr]
    assert db_session.get(ConsumerReport, report.id).status is ReportStatus.in_review  # type: ignore[union-attr]
    refused = staff.post(
        f"/agency/reports/{report.id}/triage",
        data={"csrf_token": token, "status": "dismissed"},
        headers=HTML,
    )
    assert refused.status_code == 422
    staff.post(
        f"/agency/reports/{report.id}/triage",
        data={"csrf_token": token, "status": "resolved", "note": "Đã kiểm tra"},
        headers=HTML,
    )
    resolved = staff.get("/agency/reports?status=resolved", headers=HTML).text
    assert "Tem mờ, nghi giả" in resolved and "Đã kiểm tra" in resolved
    assert "Tem mờ, nghi giả" not in staff.get("/agency/reports?status=new", headers=HTML).text


def test_suspicious_codes_and_drill_down(db_session: Session, staff: TestClient) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    db_session.add(
        SerialScanDay(
            gtin="08930000000017",
            lot="L1",
            serial="SUSPECT1",
            day=now.date(),
            scan_count=40,
            place_count=3,
            first_scanned_at=now,
            last_scanned_at=now,
        )
    )
    db_session.add(
        SerialScanDay(
            gtin="08930000000017",
            lot="L1",
            serial="CALM1",
            day=now.date(),
            scan_count=2,
            place_count=1,
            first_scanned_at=now,
            last_scanned_at=now,
        )
    )
    # Scanned by nine phones from five networks; CALM1 by one phone at home.
    seed_sources(
        db_session,
        gtin="08930000000017",
        lot="L1",
        serial="SUSPECT1",
        day=now.date(),
        networks=5,
        devices=9,
    )
    seed_sources(
        db_session,
        gtin="08930000000017",
        lot="L1",
        serial="CALM1",
        day=now.date(),
        networks=1,
        devices=1,
    )
    write_batch(
        db_session,
        [
            ScanRecord(now, "08930000000017", "L1", "SUSPECT1", "genuine", f"{i:032d}", "mobile")
            for i in range(3)
        ],
    )
    db_session.flush()
    page = staff.get("/agency/suspicious", headers=HTML).text
    assert "SUSPECT1" in page and "CALM1" not in page
    drill = staff.get("/agency/suspicious/08930000000017/SUSPECT1?lot=L1", headers=HTML).text
    assert drill.count("<tr><td>") == 3
    # Verdicts and kinds of device in words, times on Viet Nam's clock.
    assert drill.count("<td>Hợp lệ</td>") == 3 and drill.count("<td>Điện thoại</td>") == 3
    assert ">genuine<" not in drill and ">mobile<" not in drill and "UTC" not in drill


def test_certificates_expiring_soon(db_session: Session, staff: TestClient) -> None:
    enterprise = make_enterprise(db_session, legal_name="HTX Sắp Hết Hạn")
    soon = make_certificate(db_session, enterprise=enterprise)
    soon.valid_until = dt.date.today() + dt.timedelta(days=20)
    later = make_certificate(db_session, enterprise=enterprise)
    db_session.flush()
    page = staff.get("/agency/certificates", headers=HTML).text
    assert soon.number in page and later.number not in page
    assert isinstance(later, Certificate)


@pytest.mark.parametrize("as_xlsx", [False, True])
def test_population_import(db_session: Session, staff: TestClient, as_xlsx: bool) -> None:
    rows = [
        ["MST", "Tên doanh nghiệp", "Xã/Phường", "Ngành nghề"],
        ["0100109106", "Công ty Một", "Phường Mỹ Tho", "Thủy sản"],
        ["0300588569", "HTX Hai", "28360", "Nông sản"],
        ["0300588568", "Sai mã", "28360", "Nông sản"],
        ["0100109106", "Trùng", "28360", "Nông sản"],
        ["0301452948", "Không rõ xã", "Xã Không Có", ""],
    ]
    if as_xlsx:
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        data = out.getvalue()
    else:
        data = "\n".join(",".join(row) for row in rows).encode()
    page = staff.get("/agency/population", headers=HTML)
    response = staff.post(
        "/agency/population",
        headers=HTML,
        data={"csrf_token": csrf_of(page.text)},
        files={"file": ("register.xlsx" if as_xlsx else "register.csv", data)},
    )
    assert response.status_code == 200
    assert "Dòng 4" in response.text and "Dòng 5" in response.text
    entries = {e.tax_code: e for e in db_session.scalars(select(PopulationEntry))}
    assert set(entries) == {"0100109106", "0300588569", "0301452948"}
    assert entries["0100109106"].ward_code == "28261"
    assert entries["0300588569"].ward_code == "28360"
    assert entries["0301452948"].ward_code is None
    assert entries["0301452948"].ward_text == "Xã Không Có"


def test_every_template_string_has_an_english_translation() -> None:
    from pathlib import Path

    from service.i18n import catalogue

    folder = Path(__file__).resolve().parents[2] / "service" / "templates" / "agency"
    texts = set()
    for template in folder.glob("*.html"):
        texts |= set(re.findall(r"""_\(\s*["']([^"']+)["']\s*\)""", template.read_text()))
    assert texts
    missing = sorted(t for t in texts if t not in catalogue("en"))
    assert not missing
