"""docs/verdicts.md, row by row: each situation, scanned through HTTP, gets the same
verdict, colour and words on the consumer page, in /api/v1/verify and in the linkset.

Where the app has a door for making the situation (an officer's recall form, the API's
suspend, withdraw and void), the test goes through it; the rest is the resolver's
world of tests/resolver/conftest.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.actor import SYSTEM
from registry.print_runs.models import RunStatus
from registry.print_runs.service import create_run, run_serials
from service import ratelimit
from tests.factories import PASSWORD, api_headers, make_enterprise, make_product, make_user
from tests.resolver.conftest import BASE, World, free_gtin, seed_suspicious

PHONE = {
    "accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "user-agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36",
}
ENGLISH = {**PHONE, "accept-language": "en-US,en;q=0.8"}
LINKSET = {"accept": "application/linkset+json"}


@dataclass(frozen=True)
class Row:
    kind: str
    colour: str
    headline_vi: str
    headline_en: str
    # Builds the situation in the registry and gives the path a label would carry.
    situation: Callable[[World, Session, TestClient], str]
    status: int = 200  # of the page, the verify API and the linkset alike
    # Words of the card's reason (the officer's recall reason, the scans, the date).
    reason: str | None = None


def _product_recall(world: World, session: Session, client: TestClient) -> str:
    """An officer recalls a whole product through the agency's form."""
    product = make_product(session, enterprise=world.enterprise, name_vi="Bánh pía")
    officer = make_user(session, role=Role.agency)
    session.flush()
    ratelimit.reset()
    login = {"email": officer.email, "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=login).status_code == 200
    form = client.get(
        "/agency/recalls", params={"product": product.id}, headers={"accept": "text/html"}
    ).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    started = client.post(
        "/agency/recalls",
        data={
            "csrf_token": token.group(1),
            "product_id": str(product.id),
            "scope": "product",
            "decision": "confirm",
            "reason_vi": "Nhiễm nấm mốc",
            "reason_en": "Mould found",
            "notice_vi": "Ngừng sử dụng, trả lại nơi mua.",
            "notice_en": "Stop using it and return it.",
        },
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text
    client.cookies.clear()  # the scans that follow are a consumer's
    return world.path(product)


def _suspended(world: World, session: Session, client: TestClient) -> str:
    """An officer suspends a producer through the API."""
    producer = make_enterprise(session)
    product = make_product(session, enterprise=producer, name_vi="Nem Lai Vung")
    officer = api_headers(session, role=Role.agency)
    answer = client.post(
        f"/api/v1/enterprises/{producer.id}/suspend",
        json={"reason": "Kiểm tra đột xuất"},
        headers=officer,
    )
    assert answer.status_code == 200, answer.text
    return world.path(product)


def _withdrawn(world: World, session: Session, client: TestClient) -> str:
    """The producer withdraws its product through the API."""
    product = make_product(session, enterprise=world.enterprise, name_vi="Bánh phồng tôm")
    owner = api_headers(session, enterprise=world.enterprise)
    answer = client.patch(
        f"/api/v1/products/{product.id}", json={"status": "withdrawn"}, headers=owner
    )
    assert answer.status_code == 200, answer.text
    return world.path(product)


def _voided(world: World, session: Session, client: TestClient) -> str:
    """The producer voids a printed run through the API: all its serials are void."""
    run = create_run(
        session, actor=SYSTEM, lot=world.lot, count=3, serialized=True, layout="a4-3x7"
    )
    run.status = RunStatus.done
    session.flush()
    owner = api_headers(session, enterprise=world.enterprise)
    answer = client.post(
        f"/api/v1/label-runs/{run.id}/void", json={"reason": "In lỗi"}, headers=owner
    )
    assert answer.status_code == 200, answer.text
    return world.path(lot=world.lot, serial=(run_serials(run) or [""])[1])


def _suspicious(world: World, session: Session, client: TestClient) -> str:
    serial = world.serials[4]
    seed_suspicious(
        session, gtin=world.product.gtin, lot=world.lot.code, serial=serial, scans=30, devices=9
    )
    return world.path(lot=world.lot, serial=serial)


def _invalid(world: World, session: Session, client: TestClient) -> str:
    gtin = world.product.gtin
    return f"/01/{gtin[:-1]}{(int(gtin[-1]) + 1) % 10}"


ROWS = [
    Row("invalid", "red", "Mã không hợp lệ", "Invalid code", _invalid, status=400),
    Row(
        "not_registered",
        "grey",
        "Mã chưa đăng ký tại hệ thống của tỉnh",
        "Not registered in this registry",
        lambda w, s, c: f"/01/{w.unregistered_gtin}",
        status=404,
    ),
    Row(
        "foreign_prefix",
        "grey",
        "Mã không do Việt Nam cấp",
        "A code issued outside Viet Nam",
        lambda w, s, c: f"/01/{free_gtin(s, stem='0400638')}",
        status=404,
    ),
    Row(
        "serial_never_issued",
        "red",
        "Tem này không do hệ thống cấp",
        "This label was never issued",
        lambda w, s, c: w.path(lot=w.lot, serial=w.never_issued_serial),
    ),
    Row(
        "serial_void",
        "red",
        "Tem này đã bị hủy",
        "This label has been voided",
        _voided,
    ),
    Row(
        "recalled",
        "red",
        "Sản phẩm đang bị thu hồi",
        "This product is being recalled",
        lambda w, s, c: w.path(w.recalled_product, w.recalled_lot),
        reason="Vượt ngưỡng histamin",
    ),
    Row(
        "recalled",
        "red",
        "Sản phẩm đang bị thu hồi",
        "This product is being recalled",
        _product_recall,
        reason="Nhiễm nấm mốc",
    ),
    Row(
        "suspended",
        "amber",
        "Nhà sản xuất đang bị tạm đình chỉ",
        "The producer is suspended",
        _suspended,
    ),
    Row(
        "withdrawn",
        "amber",
        "Sản phẩm đã ngừng lưu hành",
        "This product has been withdrawn",
        _withdrawn,
    ),
    Row(
        "lot_undeclared",
        "amber",
        "Lô hàng này chưa được khai báo",
        "This lot has not been declared",
        lambda w, s, c: w.path() + "/10/NOPE-1",
    ),
    Row(
        "expired",
        "amber",
        "Sản phẩm đã hết hạn sử dụng",
        "This product has expired",
        lambda w, s, c: w.path(lot=w.expired_lot),
        reason="Hạn sử dụng: ",
    ),
    Row(
        "suspicious_copy",
        "amber",
        "Tem này có thể đã bị sao chép",
        "This label may have been copied",
        _suspicious,
        reason="lượt quét từ",
    ),
    Row(
        "genuine",
        "green",
        "Tem chính hãng, sản phẩm đã đăng ký",
        "Genuine label, registered product",
        lambda w, s, c: w.path(lot=w.lot, serial=w.serials[0]),
    ),
    Row(
        "registered",
        "green",
        "Sản phẩm đã đăng ký",
        "Registered product",
        lambda w, s, c: w.path(lot=w.lot),
    ),
    Row(
        "registered",
        "green",
        "Sản phẩm đã đăng ký",
        "Registered product",
        lambda w, s, c: w.path(),
    ),
]


def _scan(client: TestClient, path: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    """Follow the QR like a phone: the resolver's redirect, then the page."""
    first = client.get(path, headers=headers, follow_redirects=False)
    if first.status_code != 307:
        return first
    return client.get(first.headers["location"].removeprefix(BASE), headers=headers)


def _card(page: str) -> str:
    cards = re.findall(r'<section id="xac-thuc".*?</section>', page, flags=re.S)
    assert len(cards) == 1, page
    return cards[0]


@pytest.mark.parametrize("row", ROWS, ids=[f"{i:02d}-{r.kind}" for i, r in enumerate(ROWS)])
def test_each_row_of_the_verdict_table(
    client: TestClient, world: World, db_session: Session, row: Row
) -> None:
    path = row.situation(world, db_session, client)

    page = _scan(client, path, PHONE)
    assert page.status_code == row.status
    card = _card(page.text)
    assert f'class="verdict {row.colour}"' in card and f'data-verdict="{row.kind}"' in card
    assert row.headline_vi in card
    if row.reason:
        assert row.reason in card
    # Red and amber cards hold the report button; green and grey ones do not.
    assert ('class="button report"' in card) == (row.colour in ("red", "amber"))
    english = _card(_scan(client, path, ENGLISH).text)
    assert row.headline_en in english and f'data-verdict="{row.kind}"' in english

    verified = client.get("/api/v1/verify", params={"uri": BASE + path})
    assert verified.status_code == (400 if row.status == 400 else 200)
    body = verified.json()
    assert (body["verdict"], body["colour"]) == (row.kind, row.colour)
    assert row.headline_vi in body["headline"]["vi"] and row.headline_en in body["headline"]["en"]
    assert body["advice"]["vi"] and body["advice"]["en"]
    if row.reason:
        assert row.reason in body["reason"]["vi"]

    linkset = client.get(path + "?linkType=linkset", headers=LINKSET)
    assert linkset.status_code == row.status
    if row.status == 200:
        description = linkset.json()["linkset"][0]["itemDescription"]
        assert description.endswith(row.headline_vi) or row.headline_vi in description
        english_set = client.get(
            path + "?linkType=linkset", headers={**LINKSET, "accept-language": "en"}
        )
        assert row.headline_en in english_set.json()["linkset"][0]["itemDescription"]


def test_the_recall_card_gives_the_officers_reason_and_what_to_do(
    client: TestClient, world: World
) -> None:
    path = world.path(world.recalled_product, world.recalled_lot)
    card = _card(_scan(client, path, PHONE).text)
    assert "Lý do thu hồi: Vượt ngưỡng histamin" in card
    assert f"Thông báo thu hồi: {world.recall.notice_vi}" in card
    english = _card(_scan(client, path, ENGLISH).text)
    assert "Reason for the recall: Histamine above the limit" in english
    assert f"The recall notice: {world.recall.notice_en}" in english


def test_a_label_without_lot_or_serial_does_not_claim_a_lot(
    client: TestClient, world: World
) -> None:
    product_only = _card(_scan(client, world.path(), PHONE).text)
    assert "không ghi lô hay số sê-ri" in product_only and "Sản phẩm và lô hàng" not in product_only
    with_lot = _card(_scan(client, world.path(lot=world.lot), PHONE).text)
    assert "Sản phẩm và lô hàng có trong hệ thống" in with_lot


def test_an_invalid_code_gives_no_check_digit_and_no_jargon(
    client: TestClient, world: World, db_session: Session
) -> None:
    wrong = _invalid(world, db_session, client)
    for headers in (PHONE, ENGLISH):
        page = _scan(client, wrong, headers).text
        assert world.product.gtin not in page and world.product.gtin[1:] not in page
        for jargon in ("AI (", "check digit", "chữ số kiểm tra", "GS1 Digital Link"):
            assert jargon not in page, jargon
        assert not re.search(r"phải là \d|must be \d", page)
