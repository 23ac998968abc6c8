"""Uploaded images: the portal's product photo, the consumer report photo, the /scan photo.

Anything that is not a real, reasonably sized JPEG/PNG/WebP is refused with a message in
Vietnamese and English and nothing is stored; stored JPEGs carry no EXIF (no GPS).
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.products.models import Product
from registry.reports.models import ConsumerReport
from service import ratelimit
from tests.app_under_test import app_on, app_state_on
from tests.factories import PASSWORD, make_enterprise, make_user
from tests.security.world import BASE


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A few hundred bytes of valid PNG whose header promises width × height pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", rows)
        + _png_chunk(b"IEND", b"")
    )


def image_bytes(kind: str, size: tuple[int, int] = (64, 48), **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, kind, **save)  # type: ignore[arg-type]
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (10.0, 20.0, 30.0), 3: "E", 4: (106.0, 2.0, 3.0)}
    exif[0x8825] = gps  # GPSInfo IFD
    data = image_bytes("JPEG", exif=exif.tobytes())
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825), "the fixture has GPS"
    return data


BAD_FILES: dict[str, tuple[str, bytes, str]] = {
    "html": ("anh.jpg", b"<html><script>alert(1)</script></html>", "text/html"),
    "svg": (
        "anh.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "image/svg+xml",
    ),
    "pdf": ("anh.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "application/pdf"),
    "gif renamed jpg": ("anh.jpg", image_bytes("GIF"), "image/jpeg"),
    "decompression bomb": ("bom.png", png_declaring(60_000, 60_000), "image/png"),
    "huge dimensions": ("rong.png", png_declaring(20_000, 2_500), "image/png"),
    "truncated jpeg": ("cut.jpg", image_bytes("JPEG", (400, 300))[:300], "image/jpeg"),
}


@pytest.fixture
def media_app(settings, connection, engine, tmp_path: Path) -> FastAPI:  # type: ignore[no-untyped-def]
    """The real app with its data directory (where photos are stored) in tmp_path."""
    local = settings.model_copy(update={"data_dir": tmp_path})
    return app_on(settings, app_state_on(local, connection, engine))


@pytest.fixture
def browser(media_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(media_app, base_url=BASE) as client:
        yield client


@pytest.fixture
def enterprise_browser(db_session: Session, browser: TestClient) -> TestClient:
    user = make_user(db_session, enterprise=make_enterprise(db_session))
    db_session.flush()
    ratelimit.reset()
    answer = browser.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return browser


def _csrf(browser: TestClient) -> str:
    import base64
    import json

    payload = browser.cookies.get("truyxuat_session", "").split(".", 1)[0]
    return str(json.loads(base64.b64decode(payload + "==")).get("csrf", ""))


def _stored_files(tmp_path: Path) -> list[Path]:
    return [p for p in tmp_path.rglob("*") if p.is_file()]


def _post_product(browser: TestClient, upload: tuple[str, bytes, str]) -> TestClient:
    return browser.post(  # type: ignore[return-value]
        "/portal/products/new",
        data={"csrf_token": _csrf(browser), "name_vi": "Xoài cát", "gtin_mode": "auto"},
        files={"image": upload},
        headers={"Accept-Language": "vi"},
        follow_redirects=False,
    )


def test_product_photo_refuses_what_is_not_an_image(
    enterprise_browser: TestClient, db_session: Session, tmp_path: Path
) -> None:
    for case in BAD_FILES:
        _check_product_photo_refused(case, enterprise_browser, db_session, tmp_path)


def _check_product_photo_refused(
    case: str, enterprise_browser: TestClient, db_session: Session, tmp_path: Path
) -> None:
    products_before = db_session.scalar(select(func.count(Product.id)))
    answer = _post_product(enterprise_browser, BAD_FILES[case])
    assert answer.status_code == 400, case
    assert "JPEG" in answer.text or "megapixel" in answer.text or "40 triệu" in answer.text
    assert _stored_files(tmp_path) == []
    assert db_session.scalar(select(func.count(Product.id))) == products_before
    english = enterprise_browser.post(
        "/portal/products/new?lang=en",
        data={"csrf_token": _csrf(enterprise_browser), "name_vi": "Xoài", "gtin_mode": "auto"},
        files={"image": BAD_FILES[case]},
        follow_redirects=False,
    )
    assert english.status_code == 400
    assert "image" in english.text.lower() and _stored_files(tmp_path) == []


def test_product_photo_is_stored_without_exif_or_gps(
    enterprise_browser: TestClient, db_session: Session, tmp_path: Path
) -> None:
    answer = _post_product(enterprise_browser, ("ruong.jpg", jpeg_with_gps(), "image/jpeg"))
    assert answer.status_code == 303, answer.text[:500]
    (stored,) = _stored_files(tmp_path)
    image = Image.open(stored)
    assert image.format == "JPEG"
    assert not image.getexif(), "stored photo still has EXIF"
    assert "exif" not in image.info
    assert b"GPS" not in stored.read_bytes() and b"PhoneMaker" not in stored.read_bytes()
    served = enterprise_browser.get(f"/media/products/{stored.name}")
    assert served.status_code == 200 and served.content == stored.read_bytes()


def _report(
    browser: TestClient, app: FastAPI, upload: tuple[str, bytes, str], lang: str
) -> TestClient:
    app.state.network_limits.reports.clear()  # a fresh per-network limit for each upload
    return browser.post(  # type: ignore[return-value]
        f"/p/report?lang={lang}",
        data={"kind": "quality", "message": "Hàng bị dập", "path": "/01/08936197000011"},
        files={"photo": upload},
        headers={"Accept-Language": lang},
        follow_redirects=False,
    )


def test_report_photo_refuses_what_is_not_an_image(
    browser: TestClient, media_app: FastAPI, db_session: Session
) -> None:
    before = db_session.scalar(select(func.count(ConsumerReport.id)))
    for case, upload in BAD_FILES.items():
        vi = _report(browser, media_app, upload, "vi")
        en = _report(browser, media_app, upload, "en")
        for answer in (vi, en):
            assert 400 <= answer.status_code < 500, (case, answer.text[:300])
        assert "ảnh" in vi.text.lower(), (case, vi.text[:1000])
        assert "photo" in en.text.lower(), (case, en.text[:1000])
    assert db_session.scalar(select(func.count(ConsumerReport.id))) == before


def test_report_photo_is_stored_without_exif_or_gps(
    browser: TestClient, media_app: FastAPI, db_session: Session
) -> None:
    answer = _report(browser, media_app, ("anh.jpg", jpeg_with_gps(), "image/jpeg"), "vi")
    assert answer.status_code == 303, answer.text[:500]
    photo = db_session.scalars(
        select(ConsumerReport.photo).order_by(ConsumerReport.id.desc()).limit(1)
    ).one()
    assert photo is not None
    image = Image.open(io.BytesIO(photo))
    assert image.format == "JPEG" and not image.getexif() and "exif" not in image.info
    assert b"PhoneMaker" not in photo


def test_scan_photo_refuses_what_is_not_an_image(browser: TestClient, tmp_path: Path) -> None:
    for case, upload in BAD_FILES.items():
        for lang, word in (("vi", "ảnh"), ("en", "photo")):
            answer = browser.post(
                f"/scan?lang={lang}", files={"photo": upload}, headers={"Accept-Language": lang}
            )
            assert 400 <= answer.status_code < 500, (case, answer.status_code, answer.text[:300])
            assert word in answer.text.lower(), (case, answer.text[:1000])
    assert _stored_files(tmp_path) == []
