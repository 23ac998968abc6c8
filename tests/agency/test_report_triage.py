"""Report triage as an officer does it: the consumer's photo (staff only), the product
and producer by name, the verdict in words, links to the serial's scans and to a recall
of the lot; a dismissal without a note shows the form again with a message."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.reports.models import ConsumerReport, ReportStatus
from registry.reports.service import submit_report
from registry.reports.triage import ReportTriage
from service import ratelimit
from tests.agency.conftest import csrf_of
from tests.factories import (
    PASSWORD,
    consumer_photo,
    make_enterprise,
    make_lot,
    make_product,
    make_user,
)

HTML = {"accept": "text/html"}


def _report(session: Session) -> ConsumerReport:
    enterprise = make_enterprise(session, legal_name="HTX Xoài Cao Lãnh")
    product = make_product(session, enterprise=enterprise, name_vi="Xoài cát Hòa Lộc")
    lot = make_lot(session, product=product)
    session.flush()
    report = submit_report(
        session,
        kind="counterfeit",
        message="Tem in mờ, nghi hàng giả",
        device_hash="a" * 32,
        gtin=product.gtin,
        lot=lot.code,
        serial="AB12CD34",
        verdict="suspicious_copy",
        photo=consumer_photo(),
    )
    session.flush()
    return report


def test_the_report_card_names_things_in_words(db_session: Session, staff: TestClient) -> None:
    report = _report(db_session)
    page = staff.get("/agency/reports", headers=HTML).text
    assert "Xoài cát Hòa Lộc" in page and "HTX Xoài Cao Lãnh" in page
    assert '<dd class="report-verdict">Nghi sao chép</dd>' in page
    assert "suspicious_copy" not in page and ">genuine<" not in page
    assert f'src="/agency/reports/{report.id}/photo"' in page
    assert f"/agency/suspicious/{report.gtin}/AB12CD34?lot={report.lot}" in page
    link = re.search(r'href="(/agency/recalls\?product=\d+&amp;lot=\d+)"', page)
    assert link is not None
    # From the report straight to the recall form: the lot ticked, its scope chosen.
    recall_form = staff.get(html.unescape(link.group(1)), headers=HTML).text
    assert 'value="lots" checked' in recall_form
    assert re.search(rf"checked> {re.escape(report.lot or '')} ", recall_form)


def test_the_photo_is_served_to_staff_only(db_session: Session, client: TestClient) -> None:
    report = _report(db_session)
    path = f"/agency/reports/{report.id}/photo"
    assert client.get(path).status_code == 401
    assert client.get(path, headers=HTML, follow_redirects=False).status_code == 303
    owner = make_user(db_session, role=Role.enterprise, enterprise=make_enterprise(db_session))
    officer = make_user(db_session, role=Role.agency)
    db_session.flush()
    ratelimit.reset()
    client.post("/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD})
    assert client.get(path).status_code == 403
    client.cookies.clear()
    client.post("/api/v1/auth/login", json={"email": officer.email, "password": PASSWORD})
    photo = client.get(path)
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["cache-control"].startswith("private")
    assert photo.content[:3] == b"\xff\xd8\xff" and len(photo.content) <= 5 * 1024 * 1024
    without = submit_report(db_session, kind="other", message="Không ảnh", device_hash="b" * 32)
    db_session.flush()
    assert client.get(f"/agency/reports/{without.id}/photo").status_code == 404
    assert client.get("/agency/reports/999999999/photo").status_code == 404


def test_dismissing_without_a_note_shows_the_form_again(
    db_session: Session, staff: TestClient
) -> None:
    report = _report(db_session)
    token = csrf_of(staff.get("/agency/reports", headers=HTML).text)
    refused = staff.post(
        f"/agency/reports/{report.id}/triage",
        data={"csrf_token": token, "status": "dismissed", "note": "  "},
        headers=HTML,
    )
    assert refused.status_code == 422
    assert f'id="note-{report.id}-error"' in refused.text
    assert "Cần ghi lý do khi bỏ qua phản ánh." in refused.text
    assert '<option value="dismissed" selected>' in refused.text
    assert "Tem in mờ" in refused.text  # the queue itself, not an error page
    bad_status = staff.post(
        f"/agency/reports/{report.id}/triage",
        data={"csrf_token": token, "status": "deleted", "note": "Ghi chú đã gõ"},
        headers=HTML,
    )
    assert bad_status.status_code == 422 and "Ghi chú đã gõ" in bad_status.text
    db_session.expire_all()
    assert db_session.get(ReportTriage, report.id) is None
    assert db_session.get(ConsumerReport, report.id).status is ReportStatus.new  # type: ignore[union-attr]
    done = staff.post(
        f"/agency/reports/{report.id}/triage",
        data={"csrf_token": token, "status": "dismissed", "note": "Tem thật, in mờ do mưa"},
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303
    db_session.expire_all()
    assert db_session.get(ReportTriage, report.id).note == "Tem thật, in mờ do mưa"  # type: ignore[union-attr]
