"""The consumer page: one verdict per situation, the data of DESIGN §5, small and safe."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.resolver.conftest import BASE, World, seed_suspicious

HTML = {
    "accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "user-agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36",
}


def scan(client: TestClient, path: str, **headers: str):  # type: ignore[no-untyped-def]
    """Follow the QR like a phone: resolver redirect, then the page."""
    first = client.get(path, headers={**HTML, **headers}, follow_redirects=False)
    if first.status_code != 307:
        return first
    return client.get(first.headers["location"].removeprefix(BASE), headers={**HTML, **headers})


VERDICT_HEADLINES = {
    "genuine": ("Tem chính hãng, sản phẩm đã đăng ký", "Genuine label, registered product"),
    "recalled": ("Sản phẩm đang bị thu hồi", "This product is being recalled"),
    "expired": ("Sản phẩm đã hết hạn sử dụng", "This product has expired"),
    "withdrawn": ("Sản phẩm đã ngừng lưu hành", "This product has been withdrawn"),
    "suspended": ("Nhà sản xuất đang bị tạm đình chỉ", "The producer is suspended"),
    "not_registered": (
        "Mã chưa đăng ký tại hệ thống của tỉnh",
        "Not registered in this registry",
    ),
    "invalid": ("Mã không hợp lệ", "Invalid code"),
    "serial_never_issued": ("Tem này không do hệ thống cấp", "This label was never issued"),
    "serial_void": ("Tem này đã bị hủy", "This label has been voided"),
    "suspicious_copy": (
        "Nếu đây là lần quét đầu tiên của bạn, tem có thể là bản sao",
        "if this is your first scan, the label may be a copy",
    ),
}


def verdict_paths(world: World, session: Session) -> dict[str, tuple[str, int]]:
    """A path for every verdict, and the status its page answers with."""
    suspicious_serial = world.serials[4]
    seed_suspicious(
        session,
        gtin=world.product.gtin,
        lot=world.lot.code,
        serial=suspicious_serial,
        scans=30,
        devices=9,
    )
    return {
        "genuine": (world.path(lot=world.lot, serial=world.serials[0]), 200),
        "recalled": (world.path(world.recalled_product, world.recalled_lot), 200),
        "expired": (world.path(lot=world.expired_lot), 200),
        "withdrawn": (world.path(world.withdrawn_product), 200),
        "suspended": (world.path(world.suspended_product), 200),
        "not_registered": (f"/01/{world.unregistered_gtin}", 404),
        "invalid": (f"/01/{world.product.gtin[:-1]}{(int(world.product.gtin[-1]) + 1) % 10}", 400),
        "serial_never_issued": (world.path(lot=world.lot, serial=world.never_issued_serial), 200),
        "serial_void": (world.path(lot=world.void_lot, serial=world.void_serial), 200),
        "suspicious_copy": (world.path(lot=world.lot, serial=suspicious_serial), 200),
    }


@pytest.mark.parametrize("verdict", list(VERDICT_HEADLINES))
def test_each_verdict_has_its_banner_in_both_languages(
    client: TestClient, world: World, db_session: Session, verdict: str
) -> None:
    path, status = verdict_paths(world, db_session)[verdict]
    vi, en = VERDICT_HEADLINES[verdict]
    page = scan(client, path)
    assert page.status_code == status
    assert vi.lower() in page.text.lower()
    assert page.text.count('class="verdict') == 1
    english = scan(client, path, **{"accept-language": "en-US,en;q=0.8"})
    assert en.lower() in english.text.lower()
    assert '<html lang="en">' in english.text


def test_genuine_page_shows_the_data_the_circular_asks_for(
    client: TestClient, world: World
) -> None:
    page = scan(client, world.path(lot=world.lot, serial=world.serials[0])).text
    for expected in (
        "Xoài cát Hòa Lộc",
        world.product.gtin[1:],
        world.enterprise.legal_name,
        world.enterprise.address,
        world.enterprise.tax_code,
        world.lot.code,
        world.lot.production_on.strftime("%d/%m/%Y"),
        world.lot.expiry_on.strftime("%d/%m/%Y"),
        "OCOP ★★★★",
        "VietGAP",
        "TCVN 12828:2019",
        "Rửa sạch trước khi ăn.",
        world.origin.name,
        "Cái Bè",
        "Đồng Tháp",
        "Hành trình lô hàng",
    ):
        assert expected in page, expected


def test_recall_notice_and_suspicious_details(
    client: TestClient, world: World, db_session: Session
) -> None:
    paths = verdict_paths(world, db_session)
    recalled = scan(client, paths["recalled"][0]).text
    assert world.recall.notice_vi in recalled
    suspicious = scan(client, paths["suspicious_copy"][0]).text
    # 30 seeded scans plus this one, first seen two days ago.
    assert "31 lượt quét" in suspicious
    assert re.search(r"quét lần đầu ngày \d\d/\d\d/\d{4}", suspicious)


def test_language_toggle_keeps_the_query(client: TestClient, world: World) -> None:
    page = client.get(f"/p{world.path()}?17=301231", headers=HTML)
    toggle = re.search(r'class="lang" href="([^"]+)"', page.text)
    assert toggle is not None
    href = toggle.group(1).replace("&amp;", "&")
    assert "17=301231" in href and "lang=en" in href
    english = client.get(href, headers=HTML)
    assert "Registered product" in english.text


def test_caching_headers_and_etag(client: TestClient, world: World) -> None:
    path = f"/p{world.path(lot=world.lot)}"
    page = client.get(path, headers=HTML)
    assert "max-age=60" in page.headers["cache-control"]
    assert "Accept-Language" in page.headers["vary"]
    etag = page.headers["etag"]
    again = client.get(path, headers={**HTML, "if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    english = client.get(path, headers={**HTML, "accept-language": "en"})
    assert english.headers["etag"] != etag


def test_page_is_small_and_has_no_inline_code(client: TestClient, world: World) -> None:
    page = scan(client, world.path(lot=world.lot, serial=world.serials[0]))
    css = client.get("/static/consumer.css")
    assert css.status_code == 200
    assert len(page.content) + len(css.content) < 30 * 1024
    assert "<script" not in page.text and " style=" not in page.text and "<style" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_enterprise_text_is_escaped(client: TestClient, world: World, db_session: Session) -> None:
    world.product.name_vi = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    world.enterprise.address = '"><b>bold</b>'
    db_session.flush()
    page = scan(client, world.path()).text
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert" in page


def test_view_parameter_puts_a_section_first(client: TestClient, world: World) -> None:
    page = client.get(f"/p{world.path(lot=world.lot)}?view=certificates", headers=HTML).text
    assert page.index('id="chung-nhan"') < page.index('class="card product"')


def _sections(page: str) -> str:
    """The page between the verdict card and the consumer's actions."""
    return page.split("</section>", 1)[1].split('<section class="card actions">')[0]


def test_serials_of_a_lot_share_the_lot_sections_each_with_its_own_verdict_card(
    client: TestClient, world: World
) -> None:
    first, second = world.serials[0], world.serials[1]
    pages = [
        client.get(f"/p{world.path(lot=world.lot, serial=s)}", headers=HTML).text
        for s in (first, second)
    ]
    assert f"Số sê-ri: <strong>{first}</strong>" in pages[0]
    assert f"Số sê-ri: <strong>{second}</strong>" in pages[1]
    assert first not in pages[1] and second not in pages[0]
    assert world.lot.code in _sections(pages[0])
    assert _sections(pages[0]) == _sections(pages[1])
    english = client.get(f"/p{world.path(lot=world.lot, serial=first)}?lang=en", headers=HTML)
    assert "Serial number: <strong>" in english.text
    assert _sections(english.text) != _sections(pages[0])  # rendered per language


def test_language_toggle_keeps_an_encoded_slash_encoded(client: TestClient, world: World) -> None:
    page = client.get(f"/p/01/{world.product.gtin}/10/A%2FB", headers=HTML)
    assert page.status_code == 200
    toggle = re.search(r'class="lang" href="([^"]+)"', page.text)
    assert toggle is not None
    assert toggle.group(1) == f"/p/01/{world.product.gtin}/10/A%2FB?lang=en"
    report = re.search(r'href="(/p/report\?[^"]+)"', page.text)
    assert report is not None and "path=/01/" in report.group(1)
    assert "A%252FB" in report.group(1)  # the encoded path, encoded once more as a value
