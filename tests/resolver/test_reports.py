"""Consumer reports: stored for the agency, photos checked and stripped, rate limited."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.reports.models import ConsumerReport
from tests.resolver.conftest import World

GPS_IFD = 0x8825


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[GPS_IFD] = {1: "N", 2: (10.0, 20.0, 30.0), 3: "E", 4: (106.0, 1.0, 2.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get(0x010F) == "PhoneMaker"
    return data


def test_report_with_photo_is_stored_without_exif(
    client: TestClient, world: World, db_session: Session
) -> None:
    path = world.path(lot=world.lot, serial=world.never_issued_serial)
    form = client.get("/p/report", params={"path": path, "verdict": "serial_never_issued"})
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    response = client.post(
        "/p/report",
        data={
            "kind": "counterfeit",
            "message": "Tem lạ, giá rẻ bất thường",
            "path": path,
            "verdict": "serial_never_issued",
            "contact": "0900000000",
        },
        files={"photo": ("anh.jpg", jpeg_with_gps(), "image/jpeg")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert client.get(response.headers["location"]).status_code == 200
    (report,) = db_session.scalars(select(ConsumerReport))
    assert (report.gtin, report.lot, report.serial) == (
        world.product.gtin,
        world.lot.code,
        world.never_issued_serial,
    )
    assert report.photo_type == "image/jpeg" and (report.photo_width, report.photo_height) == (
        64,
        48,
    )
    stored = Image.open(io.BytesIO(report.photo or b""))
    assert stored.format == "JPEG"
    assert len(stored.getexif()) == 0


def test_bad_photos_and_text_are_refused(client: TestClient, world: World) -> None:
    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, "GIF")
    huge = io.BytesIO()
    Image.new("1", (8000, 6000)).save(huge, "PNG")  # 48 MP, but a tiny file
    cases = [
        ({"photo": ("x.jpg", b"not an image at all", "image/jpeg")}, {}, "photo"),
        ({"photo": ("x.gif", gif.getvalue(), "image/gif")}, {}, "photo"),
        ({"photo": ("x.png", huge.getvalue(), "image/png")}, {}, "photo"),
        ({"photo": ("x.jpg", b"\xff" * (5 * 1024 * 1024 + 10), "image/jpeg")}, {}, "photo"),
        ({}, {"message": "   "}, "message"),
        ({}, {"kind": "nonsense"}, "kind"),
    ]
    for index, (files, change, field) in enumerate(cases):
        data = {"kind": "other", "message": "Có vấn đề", "path": world.path(), **change}
        response = client.post(
            "/p/report",
            data=data,
            files=files or None,
            headers={"accept": "application/json", "user-agent": f"agent {index}"},
        )
        assert response.status_code == 422, (field, response.status_code)
        assert response.json()["errors"][0]["field"] == field


def test_a_report_from_a_red_card_names_the_product_keeps_the_language_and_gives_a_reference(
    client: TestClient, world: World, db_session: Session
) -> None:
    phone = {"accept": "text/html", "accept-language": "en"}
    path = world.path(lot=world.lot, serial=world.never_issued_serial)
    page = client.get(f"/p{path}", headers=phone).text
    card = re.search(r'<section id="xac-thuc".*?</section>', page, flags=re.S)
    assert card is not None
    button = re.search(r'class="button report" href="([^"]+)"', card.group(0))
    assert button is not None  # the report button sits inside the red card
    # The consumer switched to English on the page; the form and the thanks stay English.
    form = client.get(button.group(1).replace("&amp;", "&"), headers={"accept": "text/html"})
    assert '<html lang="en">' in form.text
    assert "Hoa Loc mango" in form.text and world.lot.code in form.text
    assert world.never_issued_serial in form.text and 'name="purchase_place"' in form.text
    action = re.search(r'<form method="post" action="([^"]+)"', form.text)
    assert action is not None and "lang=en" in action.group(1)
    sent = client.post(
        action.group(1),
        data={
            "kind": "counterfeit",
            "message": "Label looks printed at home",
            "path": path,
            "verdict": "serial_never_issued",
            "purchase_place": "  Chợ Cao Lãnh, sạp 12  ",
        },
        headers={"accept": "text/html"},
    )
    assert sent.status_code == 200 and '<html lang="en">' in sent.text
    (report,) = db_session.scalars(select(ConsumerReport))
    assert report.purchase_place == "Chợ Cao Lãnh, sạp 12"
    assert f'Your reference number: <strong class="reference">{report.reference}</strong>' in (
        sent.text
    )
    assert re.fullmatch(r"PA-\d{6}", report.reference)


def test_the_thank_you_page_echoes_only_a_reference(client: TestClient) -> None:
    page = client.get(
        "/p/report/sent", params={"ref": "<b>PA-1</b>"}, headers={"accept": "text/html"}
    )
    assert page.status_code == 200
    assert 'class="reference"' not in page.text and "&lt;b&gt;" not in page.text
