"""The /scan page over HTTP against the real app: uploads, camera results, hostile files."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest

from service.pages.scan import MAX_UPLOAD_BYTES
from tests.live_app import LiveApp, live_app
from tests.scan_page.photos import (
    hundred_megapixel_png,
    label_photo,
    png_with_bomb_inside,
    truncated,
    two_labels_photo,
    zip_bomb_named_png,
)

__all__ = ["live_app"]

# decode budget (2 s) + grace + the page around it, on a loaded 2-core machine
PAGE_SECONDS = 8.0


@pytest.fixture
def http(live_app: LiveApp) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_app.url, timeout=30) as client:
        yield client


def upload(
    http: httpx.Client,
    data: bytes,
    *,
    name: str = "tem.jpg",
    content_type: str = "image/jpeg",
    lang: str = "vi",
) -> httpx.Response:
    return http.post(f"/scan?lang={lang}", files={"photo": (name, data, content_type)})


def test_page_offers_upload_and_camera_without_inline_script(http: httpx.Client) -> None:
    response = http.get("/scan")
    assert response.status_code == 200
    html = response.text
    assert 'enctype="multipart/form-data"' in html and 'name="photo"' in html
    assert '<script src="/static/scan.js" defer></script>' in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert http.get("/static/scan.js").status_code == 200
    english = http.get("/scan?lang=en").text
    assert "Take or upload a photo of the label" in english


def test_label_photo_leads_to_the_consumer_page(live_app: LiveApp, http: httpx.Client) -> None:
    world = live_app.world
    photo = label_photo(live_app.link(world.gtin, world.lot, world.serials[0]))
    response = upload(http, photo)
    assert response.status_code == 303
    path = f"/01/{world.gtin}/10/{world.lot}/21/{world.serials[0]}"
    assert response.headers["location"] == f"{path}?lang=vi"
    page = http.get(
        response.headers["location"], follow_redirects=True, headers={"accept": "text/html"}
    )
    assert page.status_code == 200
    assert str(page.url).startswith(f"{live_app.url}/p/01/{world.gtin}")
    assert "Xoài cát Hòa Lộc" in page.text


def test_phishing_code_is_shown_as_text_never_linked(http: httpx.Client) -> None:
    address = "https://dongthap-gov.example/nhan-qua?ma=1"
    response = upload(http, label_photo(address))
    assert response.status_code == 200
    html = response.text
    assert "dongthap-gov.example/nhan-qua" in html
    assert 'href="https://dongthap-gov.example' not in html
    assert "lừa đảo" in html


def test_lookalike_domain_is_not_followed(live_app: LiveApp, http: httpx.Client) -> None:
    world = live_app.world
    fake = f"https://truyxuat-dongthap.example/01/{world.gtin}/10/{world.lot}"
    response = upload(http, label_photo(fake), lang="en")
    assert response.status_code == 200
    assert 'href="https://truyxuat-dongthap.example' not in response.text
    assert "untrusted domain" in response.text
    assert "/scan/code?text=" in response.text


def test_two_products_in_one_photo_are_listed(live_app: LiveApp, http: httpx.Client) -> None:
    world = live_app.world
    photo = two_labels_photo(
        live_app.link(world.gtin, world.lot), live_app.link(world.recalled_gtin, world.recalled_lot)
    )
    response = upload(http, photo)
    assert response.status_code == 200
    assert f'href="/01/{world.gtin}/10/{world.lot}"' in response.text
    assert f'href="/01/{world.recalled_gtin}/10/{world.recalled_lot}"' in response.text


def test_camera_result_is_interpreted_by_the_server(live_app: LiveApp, http: httpx.Client) -> None:
    world = live_app.world
    response = http.get(
        "/scan/code", params={"text": live_app.link(world.gtin), "format": "qr_code"}
    )
    assert (response.status_code, response.headers["location"]) == (303, f"/01/{world.gtin}")
    gs1 = f"01{world.gtin}10{world.lot}"
    response = http.get("/scan/code", params={"text": gs1, "format": "data_matrix"})
    assert response.headers["location"] == f"/01/{world.gtin}/10/{world.lot}"
    response = http.get("/scan/code", params={"text": "https://evil.example/", "format": "qr_code"})
    assert response.status_code == 200 and 'href="https://evil.example' not in response.text


@pytest.mark.parametrize(
    ("name", "make", "content_type", "status", "words_vi", "words_en"),
    [
        (
            "notes.jpg",
            lambda: b"just text, not a picture" * 10,
            "image/jpeg",
            400,
            "không phải là ảnh",
            "not an image",
        ),
        (
            "cut.jpg",
            lambda: truncated(label_photo("https://example.vn/x")),
            "image/jpeg",
            400,
            "",
            "",
        ),
        ("huge.png", hundred_megapixel_png, "image/png", 400, "quá lớn", "too large"),
        ("label.png", zip_bomb_named_png, "image/png", 400, "không phải là ảnh", "not an image"),
        (
            "inflated.png",
            png_with_bomb_inside,
            "image/png",
            200,
            "Không tìm thấy mã vạch",
            "No barcode was found",
        ),
    ],
    ids=["not-an-image", "truncated", "100-megapixel", "zip-bomb-as-png", "png-inflating"],
)
def test_bad_files_get_a_friendly_page_in_time(
    http: httpx.Client,
    name: str,
    make,
    content_type: str,
    status: int,  # type: ignore[no-untyped-def]
    words_vi: str,
    words_en: str,
) -> None:
    data = make()
    started = time.monotonic()
    response = upload(http, data, name=name, content_type=content_type)
    elapsed = time.monotonic() - started
    assert elapsed < PAGE_SECONDS
    assert response.status_code == status, response.text[:500]
    assert 'role="alert"' in response.text
    alert = response.text.split('role="alert"', 1)[1].split("</section>", 1)[0]
    # The page's language only: no English sentence under the Vietnamese one.
    assert words_vi in alert and (not words_en or words_en not in alert)
    assert len(re.findall(r"<p", alert)) == 1


def test_oversized_upload_is_refused_before_decoding(http: httpx.Client) -> None:
    response = upload(http, b"\xff\xd8\xff" + bytes(MAX_UPLOAD_BYTES + 200_000))
    assert response.status_code == 413
    assert "15 MB" in response.text


def test_form_without_a_file(http: httpx.Client) -> None:
    response = http.post("/scan", data={"other": "x"})
    assert response.status_code == 400
    assert "Hãy chọn một ảnh" in response.text
    garbage = http.post(
        "/scan",
        content=b"--x\r\nnonsense",
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert garbage.status_code == 400
