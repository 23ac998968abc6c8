"""Products: GTIN allocated or entered, photos checked by decoding, certificates, isolation."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.certificates.models import Certificate
from registry.gs1 import gs1_check_digit
from registry.prefixes.models import CompanyPrefix
from registry.products.models import Product
from service.pages.portal.images import MAX_SIDE_PX
from tests.factories import make_enterprise, make_product
from tests.portal.conftest import Browser, Member


def _product(db_session: Session, enterprise_id: int, name: str) -> Product:
    product = db_session.scalar(
        select(Product).where(Product.enterprise_id == enterprise_id, Product.name_vi == name)
    )
    assert product is not None
    return product


def _jpeg_with_exif(width: int, height: int) -> bytes:
    image = Image.new("RGB", (width, height), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_add_a_product_with_an_allocated_gtin_and_a_photo(
    db_session: Session, browser: Browser, member: Member
) -> None:
    photo = _jpeg_with_exif(2400, 1600)
    assert b"SecretCam" in photo
    response = browser.post(
        "/portal/products/new",
        {"gtin_mode": "auto", "name_vi": "Xoài cát Hòa Lộc loại 1", "net_content": "1 kg"},
        files={"image": ("xoai.jpg", photo, "image/jpeg")},
    )
    assert response.status_code == 303, response.text
    product = _product(db_session, member.enterprise.id, "Xoài cát Hòa Lộc loại 1")
    prefix = db_session.scalar(
        select(CompanyPrefix).where(CompanyPrefix.enterprise_id == member.enterprise.id)
    )
    assert prefix is not None
    digits = product.gtin[1:]
    assert digits.startswith(prefix.prefix)
    assert gs1_check_digit(digits[:12]) == digits[12]
    assert product.image_path is not None
    served = browser.client.get(f"/media/{product.image_path}")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    stored = Image.open(io.BytesIO(served.content))
    assert max(stored.size) == MAX_SIDE_PX
    assert b"SecretCam" not in served.content
    assert not stored.getexif()


def test_a_gtin_from_someone_elses_prefix_is_refused(browser: Browser, member: Member) -> None:
    response = browser.post(
        "/portal/products/new",
        {"gtin_mode": "manual", "gtin": "8934567000012", "name_vi": "Gạo ST25"},
    )
    assert response.status_code == 400
    assert 'id="f-gtin-error"' in response.text


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("fake.jpg", b"<html>not an image</html>"),
        (
            "anim.gif",
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04"
            b"\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
        ),
    ],
)
def test_files_that_are_not_jpeg_png_or_webp_are_refused(
    db_session: Session, browser: Browser, member: Member, filename: str, content: bytes
) -> None:
    response = browser.post(
        "/portal/products/new",
        {"gtin_mode": "auto", "name_vi": "Sản phẩm có ảnh lạ"},
        files={"image": (filename, content, "image/jpeg")},
    )
    assert response.status_code == 400
    assert 'id="f-image-error"' in response.text
    assert db_session.scalar(select(Product).where(Product.name_vi == "Sản phẩm có ảnh lạ")) is None


def test_a_photo_over_40_megapixels_is_refused(browser: Browser, member: Member) -> None:
    out = io.BytesIO()
    Image.new("1", (8000, 5001)).save(out, format="PNG")
    response = browser.post(
        "/portal/products/new",
        {"gtin_mode": "auto", "name_vi": "Ảnh quá lớn"},
        files={"image": ("big.png", out.getvalue(), "image/png")},
    )
    assert response.status_code == 400
    assert "40" in response.text


def test_edit_a_product(db_session: Session, browser: Browser, member: Member) -> None:
    product = make_product(db_session, enterprise=member.enterprise)
    db_session.flush()
    form = browser.client.get(f"/portal/products/{product.id}/edit").text
    assert product.name_vi in form
    response = browser.post(
        f"/portal/products/{product.id}/edit", {"name_vi": "Tên mới", "brand": "Cái Bè"}
    )
    assert response.status_code == 303
    db_session.refresh(product)
    assert (product.name_vi, product.brand) == ("Tên mới", "Cái Bè")
    empty = browser.post(f"/portal/products/{product.id}/edit", {"name_vi": ""})
    assert empty.status_code == 400 and 'id="f-name_vi-error"' in empty.text


def test_certificates_with_their_validity(
    db_session: Session, browser: Browser, member: Member
) -> None:
    product = make_product(db_session, enterprise=member.enterprise)
    db_session.flush()
    no_stars = browser.post(
        f"/portal/products/{product.id}/certificates",
        {"kind": "ocop", "number": "OCOP-1", "issuer": "UBND tỉnh", "valid_from": "2026-01-01"},
    )
    assert no_stars.status_code == 400 and 'id="f-stars-error"' in no_stars.text
    ok = browser.post(
        f"/portal/products/{product.id}/certificates",
        {
            "kind": "vietgap",
            "number": "VG-7",
            "issuer": "Chi cục Trồng trọt",
            "valid_from": "2020-01-01",
            "valid_until": "2021-01-01",
        },
    )
    assert ok.status_code == 303
    page = browser.client.get(f"/portal/products/{product.id}").text
    assert "VG-7" in page and "hết hạn" in page
    stored = db_session.scalar(select(Certificate).where(Certificate.number == "VG-7"))
    assert stored is not None and stored.product_id == product.id


def test_another_enterprises_product_answers_404(
    db_session: Session, browser: Browser, member: Member
) -> None:
    theirs = make_product(db_session, enterprise=make_enterprise(db_session))
    db_session.flush()
    html = {"accept": "text/html"}
    assert browser.client.get(f"/portal/products/{theirs.id}", headers=html).status_code == 404
    assert browser.client.get(f"/portal/products/{theirs.id}/edit").status_code == 404
    edit = browser.post(f"/portal/products/{theirs.id}/edit", {"name_vi": "Chiếm"})
    assert edit.status_code == 404
    db_session.refresh(theirs)
    assert theirs.name_vi != "Chiếm"
    assert theirs.name_vi not in browser.client.get("/portal/products").text
