"""Print runs (preview, background PDF, download), team and keys, audit trail."""

from __future__ import annotations

import pypdfium2
import zxingcpp
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.models import ApiKey
from registry.accounts.service import authenticate_api_key
from registry.gs1 import parse_digital_link
from registry.print_runs.models import LabelRun, RunStatus
from tests.factories import make_enterprise, make_lot, make_product
from tests.portal.conftest import Browser, Member, csrf_of


def test_preview_then_print_run_downloads_a_pdf_whose_qr_decodes(
    db_session: Session, browser: Browser, member: Member, app: FastAPI
) -> None:
    product = make_product(db_session, enterprise=member.enterprise)
    lot = make_lot(db_session, product=product, code="XOAI-01")
    db_session.flush()
    page = browser.client.get(
        "/portal/labels", params={"lot_id": lot.id, "layout": "roll-50x30", "count": "3",
                                  "serialized": "on", "preview": "1"}
    ).text  # fmt: skip
    assert f"/portal/labels/preview.svg?lot_id={lot.id}&amp;layout=roll-50x30" in page
    svg = browser.client.get(
        "/portal/labels/preview.svg", params={"lot_id": lot.id, "layout": "roll-50x30"}
    )
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text
    started = browser.post(
        "/portal/labels",
        {"lot_id": str(lot.id), "layout": "roll-50x30", "count": "3", "serialized": "on"},
    )
    assert started.status_code == 303
    run_url = started.headers["location"]
    run_id = int(run_url.rsplit("/", 1)[-1])
    app.state.truyxuat.print_jobs.wait(run_id, timeout=60)
    status = browser.client.get(run_url).text
    assert 'http-equiv="refresh"' not in status
    pdf = browser.client.get(f"{run_url}/download")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    document = pypdfium2.PdfDocument(pdf.content)
    assert len(document) == 3
    image = document[0].render(scale=300 / 72).to_pil()
    found = [
        r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode
    ]
    assert len(found) == 1
    link = parse_digital_link(found[0])
    assert link.primary == ("01", product.gtin)
    assert ("10", "XOAI-01") in link.qualifiers


def test_a_run_still_rendering_refreshes_itself(
    db_session: Session, browser: Browser, member: Member
) -> None:
    lot = make_lot(db_session, product=make_product(db_session, enterprise=member.enterprise))
    run = LabelRun(
        enterprise_id=member.enterprise.id, lot_id=lot.id, created_by="t", count=10,
        serialized=False, mac_key=b"k" * 32, layout="a4-3x7", status=RunStatus.rendering,
        progress=4,
    )  # fmt: skip
    db_session.add(run)
    db_session.flush()
    page = browser.client.get(f"/portal/labels/runs/{run.id}").text
    assert '<meta http-equiv="refresh" content="2">' in page
    assert 'value="4"' in page
    assert browser.client.get(f"/portal/labels/runs/{run.id}/download").status_code == 409


def test_another_enterprises_run_answers_404(
    db_session: Session, browser: Browser, member: Member
) -> None:
    other = make_enterprise(db_session)
    lot = make_lot(db_session, product=make_product(db_session, enterprise=other))
    run = LabelRun(
        enterprise_id=other.id, lot_id=lot.id, created_by="t", count=1, serialized=False,
        mac_key=b"k" * 32, layout="a4-3x7",
    )  # fmt: skip
    db_session.add(run)
    db_session.flush()
    assert browser.client.get(f"/portal/labels/runs/{run.id}").status_code == 404
    assert browser.client.get(f"/portal/labels/runs/{run.id}/download").status_code == 404
    assert (
        browser.client.get(
            "/portal/labels/preview.svg", params={"lot_id": lot.id, "layout": "a4-3x7"}
        ).status_code
        == 404
    )


def test_invite_a_member_with_a_one_time_password_shown_once(
    db_session: Session, browser: Browser, member: Member
) -> None:
    response = browser.post(
        "/portal/team/users", {"email": "em.hai@example.vn", "password_mode": "generate"}
    )
    assert response.status_code == 200
    secret = response.text.split('id="once-secret">', 1)[1].split("<", 1)[0]
    assert len(secret) >= 10
    assert response.headers["cache-control"] == "no-store"
    assert secret not in browser.client.get("/portal/team").text
    browser.post("/logout")
    browser.sign_in("em.hai@example.vn", secret)


def test_create_and_revoke_an_api_key(
    db_session: Session, browser: Browser, member: Member
) -> None:
    response = browser.post("/portal/team/keys", {"name": "Phần mềm kho"})
    secret = response.text.split('id="once-secret">', 1)[1].split("<", 1)[0]
    actor = authenticate_api_key(db_session, secret)
    assert actor.enterprise_id == member.enterprise.id
    key_id = actor.api_key_id
    assert browser.post(f"/portal/team/keys/{key_id}/revoke").status_code == 303
    revoked = browser.client.get("/portal/team").text
    assert "đã thu hồi" in revoked


def test_a_key_name_too_long_is_refused_not_cut(
    db_session: Session, browser: Browser, member: Member
) -> None:
    keys_before = db_session.scalar(select(func.count()).select_from(ApiKey))
    name = "Phần mềm kho " + "k" * 110
    form = browser.post("/portal/team/keys", {"name": name})
    assert form.status_code == 400
    assert "Tên gợi nhớ của khóa dài tối đa 120 ký tự (đang có 123)" in form.text
    assert f'value="{name}"' in form.text and 'id="once-secret"' not in form.text

    api = browser.post("/api/v1/api-keys", json={"name": name})
    assert api.status_code == 422, api.text
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["message_vi"] and api.json()["message_en"]
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(ApiKey)) == keys_before


def test_audit_trail_shows_only_my_enterprise(
    db_session: Session, browser: Browser, member: Member
) -> None:
    mine = make_product(db_session, enterprise=member.enterprise)
    theirs = make_product(db_session, enterprise=make_enterprise(db_session))
    db_session.flush()
    page = browser.client.get("/portal/team/audit").text
    assert f"<td>Tạo</td><td>Sản phẩm #{mine.id}</td>" in page
    assert f"Sản phẩm #{theirs.id}<" not in page
    assert ">create<" not in page and "product #" not in page
    english = browser.client.get("/portal/team/audit?lang=en").text
    assert f"<td>Created</td><td>Product #{mine.id}</td>" in english


def test_every_form_carries_the_token(browser: Browser, member: Member) -> None:
    for path in ("/portal", "/portal/products/new", "/portal/locations/new", "/portal/team"):
        page = browser.client.get(path).text
        assert page.count("<form") >= 1
        assert page.count('method="post"') == page.count('name="csrf_token"'), path
        assert csrf_of(page)


def test_no_inline_script_or_style(browser: Browser, member: Member) -> None:
    for path in ("/portal", "/portal/signup", "/portal/stats", "/portal/labels"):
        page = browser.client.get(path).text
        assert "style=" not in page and "<style" not in page
        assert "<script>" not in page and "onclick" not in page
