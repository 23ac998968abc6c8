"""Sign-up and the company prefix: validation next to the field, nothing written on error."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.actor import SYSTEM
from registry.enterprises.models import Enterprise, EnterpriseStatus
from registry.enterprises.service import (
    reject_enterprise,
    reject_identity_change,
    update_enterprise,
)
from registry.locations.models import Location
from registry.prefixes.models import CompanyPrefix, PrefixRequest
from registry.prefixes.service import reject_prefix_request
from registry.vn import vietnamese_sort_key
from tests.factories import (
    WARD_CAI_BE,
    actor_of,
    certificate_scan,
    make_enterprise,
    make_user,
    unique_tax_code,
)
from tests.portal.conftest import Browser, Member


def _wrong_check_digit(tax_code: str) -> str:
    return tax_code[:9] + str((int(tax_code[9]) + 1) % 10)


def sign_up_form(tax_code: str, email: str = "htx.xoai@example.vn") -> dict[str, str]:
    return {
        "tax_code": tax_code,
        "kind": "cooperative",
        "legal_name": "Hợp tác xã Xoài Cát Hòa Lộc",
        "ward_code": WARD_CAI_BE,
        "address": "Ấp 2",
        "contact_name": "Nguyễn Văn Ba",
        "phone": "0909000000",
        "account_email": email,
        "password": "mat-khau-du-dai",
        "confirm_password": "mat-khau-du-dai",
    }


def test_signup_creates_a_pending_enterprise_and_signs_in(
    db_session: Session, browser: Browser
) -> None:
    tax_code = unique_tax_code()
    response = browser.post("/portal/signup", sign_up_form(tax_code))
    assert response.status_code == 303
    enterprise = db_session.scalar(select(Enterprise).where(Enterprise.tax_code == tax_code))
    assert enterprise is not None and enterprise.status is EnterpriseStatus.pending
    dashboard = browser.client.get("/portal").text
    assert "Đang chờ Chi cục xác minh" in dashboard
    # Every page says so, and issuing codes waits for the verification.
    assert "Đang chờ Chi cục xác minh" in browser.client.get("/portal/products").text
    refused = browser.client.get("/portal/products/new", headers={"accept": "text/html"})
    assert refused.status_code == 403


def test_a_wrong_check_digit_is_explained_next_to_the_field_and_nothing_is_written(
    db_session: Session, browser: Browser
) -> None:
    bad = _wrong_check_digit(unique_tax_code())
    before = db_session.scalar(select(func.count()).select_from(Enterprise))
    response = browser.post("/portal/signup", sign_up_form(bad))
    assert response.status_code == 400
    assert "Mã số thuế không hợp lệ" in response.text
    assert "giấy chứng nhận đăng ký" in response.text
    # The digit that would pass is never suggested: it invites a wrong code that passes.
    assert "phải là" not in response.text
    assert 'id="f-tax_code-error"' in response.text
    assert 'aria-describedby="f-tax_code-error' in response.text
    assert "Hợp tác xã Xoài Cát Hòa Lộc" in response.text  # what was typed stays
    assert db_session.scalar(select(func.count()).select_from(Enterprise)) == before


def test_a_used_email_rolls_back_the_enterprise_too(db_session: Session, browser: Browser) -> None:
    taken = make_user(db_session, enterprise=make_enterprise(db_session))
    db_session.flush()
    tax_code = unique_tax_code()
    response = browser.post("/portal/signup", sign_up_form(tax_code, email=taken.email))
    assert response.status_code == 400
    assert 'id="f-account_email-error"' in response.text
    assert db_session.scalar(select(Enterprise).where(Enterprise.tax_code == tax_code)) is None


def test_the_as_you_type_check(client: TestClient) -> None:
    good = unique_tax_code()
    assert client.get("/portal/signup/tax-code", params={"value": good}).json()["valid"] is True
    bad = client.get("/portal/signup/tax-code", params={"value": _wrong_check_digit(good)})
    assert bad.json()["valid"] is False
    assert "chữ số kiểm tra" in bad.json()["message"].lower()


def test_ward_search_works_without_javascript(client: TestClient) -> None:
    page = client.get("/portal/signup", params={"ward_q": "cai be"}).text
    assert f'value="{WARD_CAI_BE}"' in page
    assert page.count("<option value=") < 10


def test_one_ward_search_box_inside_the_form(client: TestClient) -> None:
    page = client.get("/portal/signup").text
    assert page.count('name="ward_q"') == 1
    assert 'method="get"' not in page


def test_the_no_javascript_ward_search_keeps_the_other_fields_but_never_the_passwords(
    db_session: Session, browser: Browser
) -> None:
    before = db_session.scalar(select(func.count()).select_from(Enterprise))
    form = {**sign_up_form(unique_tax_code()), "ward_code": "", "ward_q": "cai be"}
    response = browser.post("/portal/signup", {**form, "action": "find_ward"})
    assert response.status_code == 200
    assert "Hợp tác xã Xoài Cát Hòa Lộc" in response.text and "0909000000" in response.text
    assert f'value="{WARD_CAI_BE}"' in response.text
    assert "mat-khau-du-dai" not in response.text
    assert "error-summary" not in response.text
    assert db_session.scalar(select(func.count()).select_from(Enterprise)) == before


def test_the_location_form_has_the_same_one_ward_box(
    db_session: Session, browser: Browser, member: Member
) -> None:
    form = browser.client.get("/portal/locations/new").text
    assert form.count('name="ward_q"') == 1 and "/static/portal-wards.js" in form
    found = browser.post(
        "/portal/locations/new",
        {"name": "Vườn xoài ông Ba", "kind": "farm", "ward_q": "cai be", "action": "find_ward"},
    )
    assert found.status_code == 200
    assert 'value="Vườn xoài ông Ba"' in found.text and f'value="{WARD_CAI_BE}"' in found.text
    mine = select(func.count()).where(Location.enterprise_id == member.enterprise.id)
    assert db_session.scalar(mine) == 0


def test_wards_are_listed_in_vietnamese_alphabetical_order(client: TestClient) -> None:
    page = client.get("/portal/signup").text
    group = page[page.index('<optgroup label="Xã">') :]
    group = group[: group.index("</optgroup>")]
    communes = re.findall(r'<option value="[0-9]+"[^>]*>([^<]+)</option>', group)
    assert len(communes) > 10
    assert communes == sorted(communes, key=vietnamese_sort_key)
    assert communes != sorted(communes)  # a code-point sort would differ: Vietnamese letters


def test_the_error_summary_names_each_field(db_session: Session, browser: Browser) -> None:
    before = db_session.scalar(select(func.count()).select_from(Enterprise))
    form = {**sign_up_form(unique_tax_code()), "legal_name": "", "password": ""}
    form["confirm_password"] = ""
    response = browser.post("/portal/signup", form)
    assert response.status_code == 400
    summary = response.text[response.text.index('id="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert "Tên theo giấy đăng ký: Cần được nhập." in summary
    assert "Mật khẩu: Cần được nhập." in summary
    assert "Nhập lại mật khẩu: Cần được nhập." in summary
    english = browser.client.post(
        "/portal/signup?lang=en", data={**form, "csrf_token": browser.token()}
    ).text
    assert "Password: Required." in english
    assert db_session.scalar(select(func.count()).select_from(Enterprise)) == before


def test_rejected_enterprises_see_the_reason(db_session: Session, browser: Browser) -> None:
    enterprise = make_enterprise(db_session, verified=False)
    reject_enterprise(db_session, actor=SYSTEM, enterprise=enterprise, reason="Thiếu giấy phép")
    user = make_user(db_session, enterprise=enterprise)
    db_session.flush()
    browser.sign_in(user.email)
    page = browser.client.get("/portal").text
    assert "Hồ sơ bị từ chối" in page and "Thiếu giấy phép" in page


def test_request_an_own_prefix_with_its_certificate(
    db_session: Session, browser: Browser, data_dir: Path
) -> None:
    enterprise = make_enterprise(db_session, prefix=False)
    user = make_user(db_session, enterprise=enterprise)
    db_session.flush()
    browser.sign_in(user.email)
    until = (dt.date.today() + dt.timedelta(days=700)).isoformat()
    licence = {"licence_number": "123/GS1VN", "licence_valid_until": until}
    scan = {"certificate": ("gcn.png", certificate_scan(), "image/png")}

    bad = browser.post("/portal/prefix", {"prefix": "1234567", **licence}, files=scan)
    assert bad.status_code == 400 and 'id="f-prefix-error"' in bad.text
    no_scan = browser.post("/portal/prefix", {"prefix": "8934098", **licence})
    assert no_scan.status_code == 400 and 'id="f-certificate-error"' in no_scan.text
    assert db_session.scalar(select(func.count()).select_from(PrefixRequest)) == 0
    assert list(data_dir.rglob("*.jpg")) == []  # a refused request keeps no scan

    sent = browser.post("/portal/prefix", {"prefix": "8934098", **licence}, files=scan)
    assert sent.status_code == 303, sent.text
    # Requested, not granted: no prefix yet, and the page says it waits for the agency.
    assert (
        db_session.scalar(
            select(func.count())
            .select_from(CompanyPrefix)
            .where(CompanyPrefix.enterprise_id == enterprise.id)
        )
        == 0
    )
    page = browser.client.get("/portal").text
    assert "Đang chờ Chi cục xem xét" in page and "8934098" in page
    request = db_session.scalar(select(PrefixRequest).where(PrefixRequest.prefix == "8934098"))
    assert request is not None and request.licence_number == "123/GS1VN"
    assert request.certificate_path is not None
    assert (data_dir / "media" / request.certificate_path).is_file()
    # The scan is evidence for officers, never a public file.
    name = request.certificate_path.split("/")[-1]
    assert browser.client.get(f"/media/products/{name}").status_code == 404
    assert browser.client.get(f"/media/{request.certificate_path}").status_code == 404

    reject_prefix_request(db_session, actor=SYSTEM, request=request, reason="Ảnh bị mờ")
    db_session.flush()
    page = browser.client.get("/portal").text
    assert "Chi cục đã từ chối" in page and "Ảnh bị mờ" in page


def test_request_a_prefix_from_the_pool_shows_waiting(
    db_session: Session, browser: Browser
) -> None:
    enterprise = make_enterprise(db_session, prefix=False)
    user = make_user(db_session, enterprise=enterprise)
    db_session.flush()
    browser.sign_in(user.email)
    assert browser.post("/portal/prefix/request").status_code == 303
    again = browser.post("/portal/prefix/request")
    assert again.status_code == 400 and "đang chờ" in again.text
    page = browser.client.get("/portal").text
    assert "Đang chờ Chi cục xem xét" in page and "Một tiền tố từ kho của Chi cục" in page
    requests = db_session.scalars(
        select(PrefixRequest).where(PrefixRequest.enterprise_id == enterprise.id)
    ).all()
    assert [(r.source.value, r.status.value) for r in requests] == [("pool", "pending")]


def test_member_fixture_is_verified(member: Member) -> None:
    assert member.enterprise.status is EnterpriseStatus.verified


def test_the_home_page_shows_a_waiting_then_refused_identity_change(
    db_session: Session, browser: Browser, member: Member
) -> None:
    verified_name = member.enterprise.legal_name
    change = update_enterprise(
        db_session,
        actor=actor_of(member.enterprise),
        enterprise=member.enterprise,
        changes={"legal_name": "Công ty Sữa Giả Danh", "kind": "company"},
    ).identity_change
    assert change is not None
    db_session.flush()
    page = browser.client.get("/portal").text
    assert "Công ty Sữa Giả Danh" in page and "Đang chờ Chi cục duyệt" in page
    assert "Công ty, doanh nghiệp" in page
    # The header still names the verified enterprise.
    assert verified_name in page.split('id="identity-title"')[0]
    reject_identity_change(db_session, actor=SYSTEM, change=change, reason="Không khớp ĐKKD")
    db_session.flush()
    page = browser.client.get("/portal").text
    assert "Chi cục đã từ chối đề nghị này" in page and "Không khớp ĐKKD" in page
