"""What every agency page tells the officer: who is signed in, how to sign out, what
waits in each queue, and times on Viet Nam's clock; one sign-in page for everyone."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.actor import SYSTEM
from registry.events.models import EventFlag
from registry.reports.service import submit_report
from registry.reports.triage import TriageStatus, triage_report
from registry.vn.clock import vietnam_date, vietnam_time
from service import ratelimit
from tests.agency.conftest import csrf_of
from tests.factories import PASSWORD, make_user

HTML = {"accept": "text/html"}


def test_one_sign_in_page_sends_staff_to_the_agency(
    db_session: Session, client: TestClient
) -> None:
    staff = make_user(db_session, role=Role.agency)
    db_session.flush()
    page = client.get("/login", headers=HTML)
    assert "Đăng nhập cổng doanh nghiệp" not in page.text
    assert "cán bộ Chi cục" in page.text
    ratelimit.reset()
    signed_in = client.post(
        "/login",
        data={"csrf_token": csrf_of(page.text), "email": staff.email, "password": PASSWORD},
        headers=HTML,
        follow_redirects=False,
    )
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/agency/"
    again = client.get("/login", headers=HTML, follow_redirects=False)
    assert again.headers["location"] == "/agency/"


def test_agency_pages_name_the_officer_and_sign_out(
    db_session: Session, client: TestClient
) -> None:
    staff = make_user(db_session, role=Role.agency)
    staff.full_name = "Nguyễn Thị Thu"
    db_session.flush()
    ratelimit.reset()
    client.post("/api/v1/auth/login", json={"email": staff.email, "password": PASSWORD})
    for path in ("/agency/", "/agency/reports", "/agency/recalls", "/agency/flags"):
        page = client.get(path, headers=HTML)
        assert page.status_code == 200, path
        assert "Nguyễn Thị Thu" in page.text and staff.email in page.text, path
        assert 'action="/logout"' in page.text, path
    page = client.get("/agency/reports", headers=HTML)
    out = client.post(
        "/logout", data={"csrf_token": csrf_of(page.text)}, headers=HTML, follow_redirects=False
    )
    assert out.status_code == 303 and out.headers["location"] == "/login"
    after = client.get("/agency/reports", headers=HTML, follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"].startswith("/login")


def test_queue_items_count_what_waits(db_session: Session, staff: TestClient) -> None:
    waiting = [
        submit_report(db_session, kind="quality", message=f"Hỏng {i}", device_hash="e" * 32)
        for i in range(3)
    ]
    triage_report(
        db_session, actor=SYSTEM, report=waiting[0], status=TriageStatus.resolved, note="Xong"
    )
    db_session.flush()
    page = staff.get("/agency/reports", headers=HTML).text
    assert '<span class="count" id="count-reports">(2)</span>' in page
    assert '<span class="count" id="count-flags">(0)</span>' in page
    assert db_session.query(EventFlag).count() == 0


def test_times_are_viet_nam_time() -> None:
    evening = dt.datetime(2026, 12, 7, 17, 30, tzinfo=dt.UTC)
    assert vietnam_time(evening) == "08/12/2026 00:30"
    assert vietnam_date(evening) == "08/12/2026"
    assert vietnam_time(None) == ""


def test_report_time_is_shown_in_viet_nam_time(db_session: Session, staff: TestClient) -> None:
    report = submit_report(db_session, kind="other", message="Giờ", device_hash="f" * 32)
    report.created_at = dt.datetime(2026, 3, 1, 18, 5, tzinfo=dt.UTC)
    db_session.flush()
    page = staff.get("/agency/reports", headers=HTML).text
    assert "02/03/2026 01:05" in page and "UTC" not in page
