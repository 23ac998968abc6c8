"""The dashboard and its report in the officer's words: no 0 % of a register that is not
loaded, percentage points named, the ward filter in the heading, Vietnamese alphabetical
order, a mistyped period shown back on the form, and the report as an administrative
document (national heading, agency, number and date, signature) with "no data" notes."""

from __future__ import annotations

import datetime as dt
import re

import pypdfium2 as pdfium
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from registry.vn.clock import VIETNAM_ZONE
from registry.vn.text import vietnamese_sort_key
from tests.agency.world import PERIOD, build_world
from tests.factories import make_enterprise

HTML = {"accept": "text/html"}


def _pdf_text(content: bytes) -> str:
    pdf = pdfium.PdfDocument(content)
    text = " ".join(
        " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))).split()
    )
    pdf.close()
    return text


def test_no_register_loaded_is_said_not_shown_as_zero(
    db_session: Session, staff: TestClient
) -> None:
    make_enterprise(db_session)
    db_session.flush()
    page = staff.get("/agency/", headers=HTML).text
    card = re.search(r'id="indicator-adoption_rate">.*?</article>', page, flags=re.S)
    assert card is not None
    assert "Chưa có sổ đăng ký kinh doanh" in card.group(0)
    assert "0,0 %" not in card.group(0)
    english = staff.get("/agency/?lang=en", headers=HTML).text
    assert "No business register loaded" in english


def test_percentage_points_and_the_ward_in_the_heading(
    db_session: Session, staff: TestClient
) -> None:
    build_world(db_session, scans=60)
    page = staff.get(f"/agency/?period={PERIOD}", headers=HTML).text
    assert "điểm %" not in page and "điểm phần trăm" in page
    ward = staff.get(f"/agency/?period={PERIOD}&ward=28360", headers=HTML).text
    heading = re.search(r"<h1>(.*?)</h1>", ward, flags=re.S)
    assert heading is not None and "Cái Bè" in heading.group(1)
    table = staff.get(f"/agency/tables/by_ward?period={PERIOD}&ward=28360", headers=HTML).text
    assert "Cái Bè" in re.search(r"<h1>(.*?)</h1>", table, flags=re.S).group(1)  # type: ignore[union-attr]
    pdf = staff.get(f"/agency/report.pdf?period={PERIOD}&ward=28360")
    assert re.search(r"Phạm vi: [^,]*Cái Bè", _pdf_text(pdf.content))


def test_wards_and_names_in_vietnamese_alphabetical_order(
    db_session: Session, staff: TestClient
) -> None:
    build_world(db_session, scans=60)
    page = staff.get(f"/agency/?period={PERIOD}", headers=HTML).text
    select = re.search(r'<select id="ward" name="ward">(.*?)</select>', page, flags=re.S)
    assert select is not None
    wards = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select.group(1))
    assert len(wards) > 10
    assert wards == sorted(wards, key=vietnamese_sort_key)
    assert vietnamese_sort_key("Cái Bè") < vietnamese_sort_key("Cao Lãnh")
    assert vietnamese_sort_key("Cao Lãnh") < vietnamese_sort_key("Chợ Gạo")
    # A table sorted by its name column sorts the Vietnamese way too.
    table = staff.get(f"/agency/tables/by_ward?period={PERIOD}&sort=label", headers=HTML).text
    labels = re.findall(r'<tr><td class="text">([^<]+)</td>', table)
    assert len(labels) >= 3
    assert labels == sorted(labels, key=vietnamese_sort_key)


def test_a_mistyped_period_is_shown_back_on_the_form(
    db_session: Session, staff: TestClient
) -> None:
    build_world(db_session, scans=20)
    page = staff.get("/agency/?period=2025-Q7", headers=HTML)
    assert page.status_code == 422
    assert 'id="period-error"' in page.text and "Kỳ báo cáo không hợp lệ" in page.text
    assert 'value="2025-Q7"' in page.text  # what was typed, to correct
    assert 'id="indicator-scans"' in page.text  # the dashboard, not an error page
    assert staff.get("/agency/export/by_ward.csv?period=2025-Q7").status_code == 422
    assert staff.get("/agency/report.pdf?period=2025-Q7").status_code == 422


def test_the_report_is_an_administrative_document(db_session: Session, staff: TestClient) -> None:
    build_world(db_session, scans=60)
    response = staff.get(f"/agency/report.pdf?period={PERIOD}")
    assert response.status_code == 200
    text = _pdf_text(response.content)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "CHI CỤC TIÊU CHUẨN ĐO LƯỜNG CHẤT LƯỢNG" in text
    assert "Số:" in text and "/BC-CCTĐC" in text
    day = dt.datetime.now(VIETNAM_ZONE).date()
    assert f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}" in text
    assert "CHI CỤC TRƯỞNG" in text and "Nơi nhận:" in text
    assert "Không có dữ liệu" not in text
    # A period with no scans and no registrations: those charts say so instead of an
    # empty frame (adoption is a state, still there from the register loaded before).
    empty = _pdf_text(staff.get("/agency/report.pdf?period=2031-Q1").content)
    assert empty.count("Không có dữ liệu") == 3
    dashboard = staff.get("/agency/?period=2031-Q1", headers=HTML).text
    assert dashboard.count("Không có dữ liệu") == 3
