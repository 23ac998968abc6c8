"""What a shopper learns beyond the verdict: where a self-registered producer is and how
to call it, the agency's hotline, and the product's photo, small enough for a phone."""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from registry.places.models import AdminUnit
from registry.settings import Settings
from service.pages.portal.images import clean_image, store_image
from service.resolver import lifecycle
from tests.app_under_test import app_on, app_state_on
from tests.factories import WARD_CAI_BE, make_enterprise, make_lot, make_product
from tests.resolver.conftest import BASE

HTML = {"accept": "text/html"}
HOTLINE = "0277 3851 314"


@pytest.fixture
def hotline_client(
    settings: Settings, connection: Connection, engine: Engine
) -> Iterator[TestClient]:
    with_hotline = settings.model_copy(update={"agency_hotline": HOTLINE})
    app = app_on(with_hotline, app_state_on(with_hotline, connection, engine))
    with TestClient(app, base_url=BASE) as client:
        client.portal.call(functools.partial(lifecycle.start, app, flush_interval=3600))
        yield client
        client.portal.call(lifecycle.stop, app)


def _page(client: TestClient, path: str) -> str:
    answer = client.get("/p" + path, headers=HTML)
    assert answer.status_code == 200, answer.text[:300]
    return answer.text


def test_a_self_registered_producer_shows_its_ward_province_and_phone(
    client: TestClient, db_session: Session
) -> None:
    # Sign-up asks for a hamlet and a ward; the ward's name is not in the typed address.
    enterprise = make_enterprise(
        db_session, address="Ấp Hòa Hưng", ward_code=WARD_CAI_BE, phone="0912 345 678"
    )
    lot = make_lot(db_session, product=make_product(db_session, enterprise=enterprise))
    db_session.flush()
    ward = db_session.get(AdminUnit, WARD_CAI_BE)
    assert ward is not None and ward.parent_code is not None
    province = db_session.get(AdminUnit, ward.parent_code)
    assert province is not None

    page = _page(client, f"/01/{lot.product.gtin}/10/{lot.code}")

    assert f"Ấp Hòa Hưng, {ward.name}, {province.name}" in page
    assert '<a href="tel:0912345678">0912 345 678</a>' in page


def test_an_address_that_names_its_ward_is_not_repeated(
    client: TestClient, db_session: Session
) -> None:
    ward = db_session.get(AdminUnit, WARD_CAI_BE)
    assert ward is not None and ward.parent_code is not None
    province = db_session.get(AdminUnit, ward.parent_code)
    assert province is not None
    enterprise = make_enterprise(db_session, address=f"Ấp 1, {ward.name}")
    product = make_product(db_session, enterprise=enterprise)
    db_session.flush()
    page = _page(client, f"/01/{product.gtin}")
    assert f"<p>Ấp 1, {ward.name}, {province.name}</p>" in page
    assert "tel:" not in page  # no phone given, none shown


def test_the_agency_hotline_is_on_the_page_the_report_form_and_the_error_page(
    hotline_client: TestClient, client: TestClient, db_session: Session
) -> None:
    product = make_product(db_session, enterprise=make_enterprise(db_session))
    db_session.flush()
    link = f'<a href="tel:02773851314">{HOTLINE}</a>'
    assert link in _page(hotline_client, f"/01/{product.gtin}")
    report = hotline_client.get(f"/p/report?path=/01/{product.gtin}", headers=HTML)
    assert link in report.text
    wrong_digit = f"/01/{product.gtin[:-1]}{(int(product.gtin[-1]) + 1) % 10}"
    invalid = hotline_client.get("/p" + wrong_digit, headers=HTML)
    assert invalid.status_code == 400 and link in invalid.text
    # Not configured: nothing shown.
    assert "tel:" not in _page(client, f"/01/{product.gtin}")


@pytest.mark.parametrize("hotline", ["<script>", "0" * 21, "javascript:1"])
def test_a_hotline_setting_that_is_not_a_phone_number_is_refused(hotline: str) -> None:
    with pytest.raises(ValueError):
        Settings(agency_hotline=hotline)


def _photo(width: int, height: int) -> bytes:
    image = Image.new("RGB", (width, height))
    for x in range(0, width, 8):
        image.paste((x % 256, 90, 200 - x % 200), (x, 0, x + 4, height))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


def test_the_product_photo_is_served_small_and_cached(
    client: TestClient, db_session: Session, settings: Settings
) -> None:
    product = make_product(db_session, enterprise=make_enterprise(db_session))
    product.image_path = store_image(settings.data_dir / "media", clean_image(_photo(1600, 1200)))
    db_session.flush()

    page = _page(client, f"/01/{product.gtin}")
    small_url = f"/media/{product.image_path}?size=small"
    assert f'<img src="{small_url}"' in page

    full = client.get(f"/media/{product.image_path}")
    for _ in range(2):  # made on the first request, read from its file on the next
        small = client.get(small_url)
        assert small.status_code == 200
        assert small.headers["content-type"] == "image/jpeg"
        assert small.headers["cache-control"] == "public, max-age=31536000"
        assert max(Image.open(io.BytesIO(small.content)).size) == 192
        assert len(small.content) < 20_000 < len(full.content)


@pytest.mark.parametrize(
    "path",
    [
        "/media/products/000000000000000000000000.jpg?size=small",
        "/media/products/..%2F..%2Fsecret.jpg?size=small",
        "/media/products/small?size=small",
    ],
)
def test_no_small_photo_of_what_is_not_a_stored_photo(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_only_the_small_size_is_offered(client: TestClient, db_session: Session) -> None:
    answer = client.get("/media/products/000000000000000000000000.jpg?size=huge")
    assert answer.status_code in (404, 422)
