"""Sign-up and the company prefix: validation next to the field, nothing written on error."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.actor import SYSTEM
from registry.audit.models import AuditEntry
from registry.enterprises.models import Enterprise, EnterpriseStatus
from registry.enterprises.service import reject_enterprise
from registry.prefixes.models import CompanyPrefix
from registry.vn import mst_check_digit
from tests.factories import WARD_CAI_BE, make_enterprise, make_user, unique_tax_code
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
    expected = mst_check_digit(bad[:9])
    assert f"chữ số thứ 10 phải là {expected}" in response.text
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


def test_rejected_enterprises_see_the_reason(db_session: Session, browser: Browser) -> None:
    enterprise = make_enterprise(db_session, verified=False)
    reject_enterprise(db_session, actor=SYSTEM, enterprise=enterprise, reason="Thiếu giấy phép")
    user = make_user(db_session, enterprise=enterprise)
    db_session.flush()
    browser.sign_in(user.email)
    page = browser.client.get("/portal").text
    assert "Hồ sơ bị từ chối" in page and "Thiếu giấy phép" in page


def test_record_an_own_prefix(db_session: Session, browser: Browser) -> None:
    enterprise = make_enterprise(db_session, prefix=False)
    user = make_user(db_session, enterprise=enterprise)
    db_session.flush()
    browser.sign_in(user.email)
    bad = browser.post("/portal/prefix", {"prefix": "1234567"})
    assert bad.status_code == 400 and 'id="f-prefix-error"' in bad.text
    assert browser.post("/portal/prefix", {"prefix": "8934098"}).status_code == 303
    owned = db_session.scalars(
        select(CompanyPrefix.prefix).where(CompanyPrefix.enterprise_id == enterprise.id)
    )
    assert list(owned) == ["8934098"]


def test_request_a_prefix_from_the_pool_shows_waiting(
    db_session: Session, browser: Browser
) -> None:
    enterprise = make_enterprise(db_session, prefix=False)
    user = make_user(db_session, enterprise=enterprise)
    db_session.flush()
    browser.sign_in(user.email)
    browser.post("/portal/prefix/request")
    browser.post("/portal/prefix/request")
    assert "Đang chờ Chi cục cấp" in browser.client.get("/portal").text
    requests = db_session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.enterprise_id == enterprise.id,
            AuditEntry.action == "request_pool_prefix",
        )
    )
    assert requests == 1


def test_member_fixture_is_verified(member: Member) -> None:
    assert member.enterprise.status is EnterpriseStatus.verified
