"""Every portal form, sent with bad values by a Vietnamese user, comes back as the form with
what to fix in Vietnamese: no English sentence, no pydantic or JSON-schema wording, no
GS1 jargon ("AI (414)"), no bare error page; and nothing is written (HTTP, both databases).
A control character pasted into a field is one such bad value: the form comes back with the
text typed minus that character, and a message next to the field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.service import authenticate_api_key
from registry.audit.models import AuditEntry
from registry.print_runs.models import LabelRun, RunStatus
from registry.text import FORBIDDEN_CHARACTER
from tests.factories import make_location, make_lot, make_product, unique_tax_code
from tests.portal.conftest import PASSWORD, Browser, Member
from tests.portal.test_signup import sign_up_form

# What a person must never read: validator and schema wording, raw codes, stack traces.
SYSTEM_TEXT = re.compile(
    r"field required|input should|value is not|value error|validation error|pydantic"
    r"|does not match|is not valid under|is not of type|additional properties|json"
    r"|traceback|exception|unprocessable|errors\.pydantic|string_too|type_error"
    r"|\bAI \(\d+\)|CSET|\bKGM\b|\bnone\b|\bnull\b|\{'|\['",
    re.IGNORECASE,
)
ENGLISH = re.compile(
    r"\b(?:the|is|are|must|should|required|invalid|enter|choose|please|not|field|value)\b",
    re.IGNORECASE,
)
# Letters only Vietnamese uses among the two languages: a message without one is English.
VIETNAMESE_LETTER = re.compile(
    "[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I
)
AS_A_BROWSER = {"accept": "text/html,application/xhtml+xml", "accept-language": "vi-VN,vi"}
MESSAGE = re.compile(
    r'<p class="field-error"[^>]*>(.*?)</p>|<div class="error-summary".*?</div>', re.S
)


@dataclass(frozen=True)
class Case:
    """A form and bad values for it; "{lot}", "{run}"… name the member's own records."""

    name: str
    path: str
    form: dict[str, str]


def _plain_vietnamese(message: str) -> bool:
    return bool(
        VIETNAMESE_LETTER.search(message)
        and not SYSTEM_TEXT.search(message)
        and not ENGLISH.search(message)
    )


def _messages(page: str) -> list[str]:
    found = []
    for match in MESSAGE.finditer(page):
        block = match.group(1) if match.group(1) is not None else match.group(0)
        for item in re.findall(r"<li>(.*?)</li>", block, re.S) or [block]:
            text = unescape(re.sub(r"<[^>]+>", " ", item))
            text = " ".join(text.split())
            if text and text != "Cần sửa lại:":
                found.append(text)
    return found


CASES = [
    Case("password", "/portal/password",
         {"current_password": "sai", "new_password": "ngắn", "confirm_password": "khác"}),
    Case("own prefix", "/portal/prefix",
         {"prefix": "12ab", "licence_number": "", "licence_valid_from": "31/02/2026",
          "licence_valid_until": "mai"}),
    Case("import without a file", "/portal/products/import", {}),
    Case("print run", "/portal/labels",
         {"lot_id": "{lot}", "layout": "a4-3x7", "count": "-5", "serialized": "on"}),
    Case("print run layout", "/portal/labels",
         {"lot_id": "{lot}", "layout": "khổ lạ", "count": "2"}),
    Case("void without confirming", "/portal/labels/runs/{run}/void",
         {"reason": "In lệch"}),
    Case("new location", "/portal/locations/new",
         {"name": "", "kind": "farm", "latitude": "mười", "longitude": "999", "gln": "123"}),
    Case("location edit", "/portal/locations/{location}",
         {"name": "Vườn", "kind": "lâu đài", "latitude": "91", "longitude": "106"}),
    Case("new lot", "/portal/lots/new",
         {"product_id": "{product}", "code": "Lô Xoài 01", "production_on": "2026-13-45",
          "quantity": "1.2.3", "unit": "tấn"}),
    Case("new lot, nothing", "/portal/lots/new", {"product_id": "", "code": ""}),
    Case("harvest", "/portal/lots/{lot}/steps/harvest",
         {"event_time": "hôm qua", "location_id": "{location}", "quantity": "nhiều",
          "unit": "tấn"}),
    Case("harvest unit", "/portal/lots/{lot}/steps/harvest",
         {"event_time": "2026-05-02T07:30", "location_id": "{location}",
          "quantity": "100", "unit": "TNE\"><b>"}),
    Case("ship", "/portal/lots/{lot}/steps/ship",
         {"event_time": "2026-05-02T07:30", "location_id": "{location}",
          "quantity": "1,2,3", "other_gln": "123"}),
    Case("receive", "/portal/lots/{lot}/steps/receive",
         {"event_time": "2026-05-02T07:30", "location_id": "", "seller_phone": "x"}),
    Case("pack", "/portal/lots/{lot}/steps/pack",
         {"event_time": "2026-05-02T07:30", "location_id": "{location}",
          "output_lot_id": "abc"}),
    Case("inspect", "/portal/lots/{lot}/steps/inspect",
         {"event_time": "2026-02-30T25:00", "location_id": "{location}"}),
    Case("new product", "/portal/products/new",
         {"name_vi": "", "gtin_mode": "manual", "gtin": "8930000000011"}),
    Case("product edit", "/portal/products/{product}/edit",
         {"name_vi": "", "net_content": "x" * 300}),
    Case("certificate", "/portal/products/{product}/certificates",
         {"kind": "ocop", "title": "", "stars": "9", "valid_from": "hôm nay",
          "valid_until": "2020-13-01"}),
    Case("certificate kind", "/portal/products/{product}/certificates",
         {"kind": "huy chương", "title": "Giải vàng"}),
    Case("consignment market", "/portal/consignments/new",
         {"location_id": "{location}", "market": "Trung Quốc", "lot_id_1": "{lot}",
          "quantity_1": "100", "unit_1": "KGM", "departed_on": "2026-05-02"}),
    Case("consignment container", "/portal/consignments/new",
         {"location_id": "{location}", "market": "CN", "lot_id_1": "{lot}",
          "quantity_1": "100", "unit_1": "KGM", "departed_on": "2026-05-02",
          "importer_name": "Quảng Tây", "importer_country": "CN", "certificate_number": "1",
          "port_of_loading": "Cát Lái", "port_of_discharge": "Nam Sa",
          "container_number": "CSQU3054384"}),
    Case("consignment treatment", "/portal/consignments/new",
         {"lot_id_1": "{lot}", "quantity_1": "nhiều", "treatment_kind": "phép thuật"}),
    Case("API key name too long", "/portal/team/keys", {"name": "Phần mềm kho " * 10}),
    Case("team member", "/portal/team/users",
         {"email": "không phải email", "full_name": "", "password_mode": "set", "password": "1"}),
]  # fmt: skip


@pytest.fixture
def ids(db_session: Session, member: Member) -> dict[str, int]:
    product = make_product(db_session, enterprise=member.enterprise)
    lot = make_lot(db_session, product=product)
    location = make_location(db_session, enterprise=member.enterprise)
    run = LabelRun(
        enterprise_id=member.enterprise.id, lot_id=lot.id, created_by="t", count=1,
        serialized=True, mac_key=b"k" * 32, layout="roll-50x30", status=RunStatus.done,
        progress=1,
    )  # fmt: skip
    db_session.add(run)
    db_session.flush()
    return {"product": product.id, "lot": lot.id, "location": location.id, "run": run.id}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_values_come_back_in_vietnamese_on_the_form(
    db_session: Session, browser: Browser, ids: dict[str, int], case: Case
) -> None:
    audit_before = db_session.scalar(select(func.count()).select_from(AuditEntry))
    form = {name: value.format(**ids) for name, value in case.form.items()}
    response = browser.post(case.path.format(**ids), form, headers=AS_A_BROWSER)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    page = response.text
    assert 'name="csrf_token"' in page, "a bare error page, not the form again"
    messages = _messages(page)
    assert messages, "no message says what to fix"
    assert [m for m in messages if not _plain_vietnamese(m)] == []
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before


def test_sign_up_with_every_field_wrong_speaks_vietnamese(
    db_session: Session, browser: Browser
) -> None:
    form = {"tax_code": "12345", "kind": "công ty ma", "legal_name": "", "ward_code": "99999",
            "account_email": "@", "password": "1", "confirm_password": "2"}  # fmt: skip
    response = browser.post("/portal/signup", form, headers=AS_A_BROWSER)
    assert response.status_code == 400
    messages = _messages(response.text)
    assert len(messages) >= 5
    assert [m for m in messages if not _plain_vietnamese(m)] == []


# Otherwise valid forms with a control character in one field ("\x1b" is what an escape
# sequence pasted from a terminal starts with, "\x00" what PostgreSQL cannot store):
# without the refusal each of them would be stored, cleaned, with an audit entry.
CONTROL_CASES = [
    Case("password", "/portal/password",
         {"current_password": PASSWORD, "new_password": "Mật khẩu\x1b mới 2026",
          "confirm_password": "Mật khẩu\x1b mới 2026"}),
    Case("print run", "/portal/labels",
         {"lot_id": "{lot}", "layout": "roll-50x30", "count": "2\x00"}),
    Case("void", "/portal/labels/runs/{run}/void",
         {"reason": "In lệch\x1b[31m", "confirm": "yes"}),
    Case("new location", "/portal/locations/new", {"name": "Vườn\x00 xoài", "kind": "farm"}),
    Case("location edit", "/portal/locations/{location}",
         {"name": "Vườn\x07 nhà", "kind": "farm"}),
    Case("new lot", "/portal/lots/new", {"product_id": "{product}", "code": "LO\x1b01"}),
    Case("harvest", "/portal/lots/{lot}/steps/harvest",
         {"event_time": "2026-05-02T07:30", "location_id": "{location}",
          "quantity": "100\x00", "unit": "KGM"}),
    Case("ship", "/portal/lots/{lot}/steps/ship",
         {"event_time": "2026-05-02T07:30", "location_id": "{location}", "quantity": "10",
          "unit": "KGM", "buyer_name": "Chợ\x1b Cái Bè", "buyer_phone": "0909000000"}),
    Case("new product", "/portal/products/new",
         {"gtin_mode": "auto", "name_vi": "Xoài\x00 cát Hòa Lộc"}),
    Case("product edit", "/portal/products/{product}/edit", {"name_vi": "Xoài\x1b cát"}),
    Case("certificate", "/portal/products/{product}/certificates",
         {"kind": "ocop", "title": "OCOP\x0c 4 sao", "stars": "4", "valid_from": "2026-01-01"}),
    Case("consignment", "/portal/consignments/new",
         {"location_id": "{location}", "market": "CN", "importer_name": "Quảng\x1b Tây"}),
    Case("API key", "/portal/team/keys", {"name": "Phần mềm\x7f kho"}),
    Case("team member", "/portal/team/users",
         {"email": "em.hai@example.vn", "full_name": "Lê\x00 Thị Hai",
          "password_mode": "generate"}),
    Case("own prefix", "/portal/prefix",
         {"prefix": "8934098", "licence_number": "GP\x1b-123",
          "licence_valid_from": "2026-01-01", "licence_valid_until": "2028-01-01"}),
]  # fmt: skip
CONTROL_MESSAGE = "ký tự điều khiển"


@pytest.mark.parametrize("case", CONTROL_CASES, ids=[case.name for case in CONTROL_CASES])
def test_a_control_character_brings_the_form_back_without_it(
    db_session: Session, browser: Browser, ids: dict[str, int], case: Case
) -> None:
    audit_before = db_session.scalar(select(func.count()).select_from(AuditEntry))
    form = {name: value.format(**ids) for name, value in case.form.items()}
    response = browser.post(case.path.format(**ids), form, headers=AS_A_BROWSER)
    assert response.status_code == 400, (response.status_code, response.text[:300])
    page = response.text
    assert 'name="csrf_token"' in page, "a bare error page, not the form again"
    messages = _messages(page)
    assert any(CONTROL_MESSAGE in message for message in messages), messages
    assert [m for m in messages if not _plain_vietnamese(m)] == []
    assert FORBIDDEN_CHARACTER.search(page) is None
    typed = [name for name, value in form.items() if FORBIDDEN_CHARACTER.search(value)]
    for name in typed:
        if "password" not in name:
            cleaned = FORBIDDEN_CHARACTER.sub("", form[name])
            shown = (f'value="{cleaned}"', f">{cleaned}</textarea>")
            assert any(text in unescape(page) for text in shown), name
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before


def test_a_control_character_in_the_sign_up_form_comes_back_on_the_form(
    db_session: Session, browser: Browser
) -> None:
    audit_before = db_session.scalar(select(func.count()).select_from(AuditEntry))
    form = {**sign_up_form(unique_tax_code()), "legal_name": "Hợp tác xã\x00 Xoài"}
    response = browser.post("/portal/signup", form, headers=AS_A_BROWSER)
    assert response.status_code == 400
    assert 'value="Hợp tác xã Xoài"' in unescape(response.text)
    messages = _messages(response.text)
    assert any(CONTROL_MESSAGE in message for message in messages), messages
    assert [m for m in messages if not _plain_vietnamese(m)] == []
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before


def test_a_route_without_a_form_to_show_refuses_a_control_character_itself(
    db_session: Session, browser: Browser, member: Member
) -> None:
    created = browser.post("/portal/team/keys", {"name": "Phần mềm kho"})
    secret = created.text.split('id="once-secret">', 1)[1].split("<", 1)[0]
    key_id = authenticate_api_key(db_session, secret).api_key_id
    audit_before = db_session.scalar(select(func.count()).select_from(AuditEntry))
    refused = browser.post(
        f"/portal/team/keys/{key_id}/revoke", {"note": "x\x00"}, headers=AS_A_BROWSER
    )
    assert refused.status_code == 422
    assert "U+0000" in refused.text
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before


def test_english_pages_say_it_in_english(
    db_session: Session, browser: Browser, ids: dict[str, int]
) -> None:
    response = browser.post("/portal/locations/new?lang=en", {"name": "Farm\x1b", "kind": "farm"})
    assert response.status_code == 400
    assert "invisible control character" in response.text
    assert 'value="Farm"' in response.text


@pytest.mark.parametrize(
    "message",
    [
        "Field required",
        "Số lượng: 'tấn' does not match '^[A-Z0-9]{2,3}$'",
        "AI (414): GLN phải có 13 chữ số",
        "The quantity must be a number.",
        "Giá trị: None",
    ],
)
def test_what_the_check_catches(message: str) -> None:
    # Messages seen on the portal before issue 18 (and the kinds of text it guards against).
    assert not _plain_vietnamese(message)
    assert _plain_vietnamese("Số lượng phải là một số, ví dụ 1.200 hoặc 1.200,5.")
