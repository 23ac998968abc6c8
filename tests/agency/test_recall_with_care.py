"""Recalling with care: find the product by name or GTIN, choose the scope (there is no
default), see the lots, labels and scans reached, then confirm. Any problem shows the
form again with what was typed and a message beside the field; nothing is recalled."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.actor import SYSTEM
from registry.lots.models import Lot, LotStatus
from registry.print_runs.service import create_run
from registry.products.models import Product
from registry.recalls.models import Recall
from registry.scans.recorder import ScanRecord, write_batch
from service import ratelimit
from tests.agency.conftest import csrf_of
from tests.factories import PASSWORD, make_enterprise, make_lot, make_product, make_user

HTML = {"accept": "text/html"}
NOTICE = {
    "reason_vi": "Vượt ngưỡng histamin",
    "reason_en": "Histamine above the limit",
    "notice_vi": "Ngừng sử dụng lô này, trả lại nơi mua.",
    "notice_en": "Stop using this lot; return it where you bought it.",
}


def _fish_sauce(session: Session) -> tuple[Product, Lot, Lot]:
    enterprise = make_enterprise(session, legal_name="HTX Mắm Châu Đốc")
    product = make_product(session, enterprise=enterprise, name_vi="Mắm cá linh Đồng Tháp")
    bad, good = make_lot(session, product=product), make_lot(session, product=product)
    session.flush()
    return product, bad, good


def _recalls(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Recall)) or 0


def _form(staff: TestClient, product: Product, **fields: object) -> dict[str, object]:
    page = staff.get(f"/agency/recalls?product={product.id}", headers=HTML).text
    return {"csrf_token": csrf_of(page), "product_id": str(product.id), **fields}


def test_products_found_by_name_without_diacritics_or_by_gtin(
    db_session: Session, staff: TestClient
) -> None:
    product, _, _ = _fish_sauce(db_session)
    for query in ("mam ca linh", "Mắm cá", "DONG THAP", product.gtin, product.gtin[-13:]):
        page = staff.get("/agency/recalls", params={"q": query}, headers=HTML).text
        assert f'href="/agency/recalls?product={product.id}"' in page, query
    nothing = staff.get("/agency/recalls", params={"q": "bánh pía"}, headers=HTML).text
    assert "Không tìm thấy sản phẩm nào" in nothing


def test_no_scope_is_chosen_for_the_officer(db_session: Session, staff: TestClient) -> None:
    product, bad, _ = _fish_sauce(db_session)
    page = staff.get(f"/agency/recalls?product={product.id}", headers=HTML).text
    assert 'name="scope" value="product">' in page and 'name="scope" value="lots">' in page
    assert "checked" not in page
    answer = staff.post(
        "/agency/recalls", headers=HTML, data=_form(staff, product, lot_ids=[bad.id], **NOTICE)
    )
    assert answer.status_code == 422
    assert 'id="scope-error"' in answer.text and "Hãy chọn phạm vi thu hồi" in answer.text
    # What was typed and ticked is all still there.
    assert NOTICE["notice_vi"] in answer.text and NOTICE["reason_en"] in answer.text
    assert f'value="{bad.id}" checked' in answer.text
    assert _recalls(db_session) == 0


def test_selected_lots_with_none_ticked_says_so_on_the_form(
    db_session: Session, staff: TestClient
) -> None:
    product, bad, good = _fish_sauce(db_session)
    answer = staff.post(
        "/agency/recalls", headers=HTML, data=_form(staff, product, scope="lots", **NOTICE)
    )
    assert answer.status_code == 422
    assert 'id="lot_ids-error"' in answer.text and "ít nhất một lô" in answer.text
    assert NOTICE["notice_vi"] in answer.text
    assert 'value="lots" checked' in answer.text
    # A lot of another product is not a lot of this one.
    other = make_lot(db_session, product=make_product(db_session, enterprise=product.enterprise))
    db_session.flush()
    foreign = staff.post(
        "/agency/recalls",
        headers=HTML,
        data=_form(staff, product, scope="lots", lot_ids=[other.id], decision="confirm", **NOTICE),
    )
    assert foreign.status_code == 422 and 'id="lot_ids-error"' in foreign.text
    db_session.expire_all()
    assert _recalls(db_session) == 0
    assert {db_session.get(Lot, lot.id).status for lot in (bad, good, other)} == {  # type: ignore[union-attr]
        LotStatus.active
    }


def test_whole_product_with_lots_ticked_is_refused(db_session: Session, staff: TestClient) -> None:
    product, bad, _ = _fish_sauce(db_session)
    answer = staff.post(
        "/agency/recalls",
        headers=HTML,
        data=_form(staff, product, scope="product", lot_ids=[bad.id], decision="confirm", **NOTICE),
    )
    assert answer.status_code == 422 and "Đã đánh dấu lô nhưng chọn thu hồi toàn bộ" in answer.text
    assert _recalls(db_session) == 0


def test_missing_notice_and_too_long_reason_are_shown_beside_their_fields(
    db_session: Session, staff: TestClient
) -> None:
    product, bad, _ = _fish_sauce(db_session)
    answer = staff.post(
        "/agency/recalls",
        headers=HTML,
        data=_form(staff, product, scope="lots", lot_ids=[bad.id], reason_vi="x" * 2001),
    )
    assert answer.status_code == 422
    assert 'id="notice_vi-error"' in answer.text and 'id="reason_vi-error"' in answer.text
    assert "Tối đa 2000 ký tự" in answer.text
    assert "field required" not in answer.text.lower() and "pydantic" not in answer.text
    assert _recalls(db_session) == 0


def test_review_shows_the_reach_then_confirm_recalls_and_consumers_see_the_reason(
    db_session: Session, staff: TestClient
) -> None:
    product, bad, good = _fish_sauce(db_session)
    create_run(db_session, actor=SYSTEM, lot=bad, count=120, serialized=True, layout="a4-3x7")
    now = dt.datetime.now(dt.UTC)
    write_batch(
        db_session,
        [
            ScanRecord(now, product.gtin, bad.code, f"S{i}", "genuine", f"{i:032d}", "mobile")
            for i in range(7)
        ]
        + [ScanRecord(now, product.gtin, good.code, "G1", "genuine", "9" * 32, "mobile")],
    )
    db_session.flush()
    fields = _form(staff, product, scope="lots", lot_ids=[bad.id], **NOTICE)
    review = staff.post("/agency/recalls", headers=HTML, data=fields)
    assert review.status_code == 200
    assert 'id="confirm-lots">1<' in review.text
    assert 'id="confirm-labels">120<' in review.text
    assert 'id="confirm-scans">7<' in review.text
    assert bad.code in review.text and good.code not in review.text
    assert NOTICE["reason_vi"] in review.text
    assert _recalls(db_session) == 0  # nothing happens before the confirmation
    edit = staff.post("/agency/recalls", headers=HTML, data={**fields, "decision": "edit"})
    assert edit.status_code == 200 and NOTICE["notice_en"] in edit.text
    done = staff.post(
        "/agency/recalls",
        headers=HTML,
        data={**fields, "decision": "confirm"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    db_session.expire_all()
    assert db_session.get(Lot, bad.id).status is LotStatus.recalled  # type: ignore[union-attr]
    assert db_session.get(Lot, good.id).status is LotStatus.active  # type: ignore[union-attr]
    again = staff.post("/agency/recalls", headers=HTML, data={**fields, "decision": "confirm"})
    assert again.status_code == 409 and "Lô đang bị thu hồi" in again.text
    assert NOTICE["notice_vi"] in again.text and _recalls(db_session) == 1
    staff.cookies.clear()
    consumer = staff.get(f"/01/{product.gtin}/10/{bad.code}", headers=HTML)
    assert consumer.status_code == 200
    assert f"Lý do thu hồi: {NOTICE['reason_vi']}" in consumer.text


def test_only_staff_may_recall(db_session: Session, client: TestClient) -> None:
    product, bad, _ = _fish_sauce(db_session)
    owner = make_user(db_session, role=Role.enterprise, enterprise=product.enterprise)
    db_session.flush()
    fields = {"product_id": str(product.id), "scope": "product", "decision": "confirm", **NOTICE}
    anonymous = client.post("/agency/recalls", data=fields)
    assert anonymous.status_code == 401
    ratelimit.reset()
    client.post("/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD})
    assert client.get("/agency/recalls?q=mam", headers=HTML).status_code == 403
    page = client.get("/portal", headers=HTML).text
    forged = client.post("/agency/recalls", data={**fields, "csrf_token": csrf_of(page)})
    assert forged.status_code == 403
    assert _recalls(db_session) == 0
    db_session.refresh(bad)
    assert bad.status is LotStatus.active
