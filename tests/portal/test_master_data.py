"""Master data for GS1 in the portal and the API: the fields are checked against the loaded
GPC, UN/ECE Rec 20 and ISO 3166-1, scored, and exported for GS1 Vietnam (only the
enterprise's own products)."""

from __future__ import annotations

import csv
import importlib.util
import io
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.actor import SYSTEM
from registry.gpc.service import SAMPLE_GPC, load_gpc
from registry.products.gs1_export import COLUMNS
from registry.products.models import Product
from service.ratelimit import reset
from tests.factories import PASSWORD, api_headers, make_enterprise, make_product, make_user
from tests.portal.conftest import Browser, Member
from tests.testdata import REPOSITORY

FULL = {
    "gtin_mode": "auto",
    "name_vi": "Sầu riêng Ri6 nguyên trái",
    "name_en": "Ri6 durian, whole fruit",
    "brand": "Vườn Cái Mơn",
    "net_content_value": "2,5",
    "net_content_unit": "KGM",
    "gpc_brick_code": "10005806",
    "target_markets": "VN, cn",
    "image_url": "https://cdn.caimon.vn/anh/sau-rieng.jpg",
}


@pytest.fixture
def gpc(db_session: Session) -> None:
    with SAMPLE_GPC.open("rb") as stream:
        load_gpc(db_session, actor=SYSTEM, stream=stream)


def _products(db_session: Session, enterprise_id: int) -> list[Product]:
    return list(
        db_session.scalars(
            select(Product).where(Product.enterprise_id == enterprise_id).order_by(Product.id)
        )
    )


def test_the_form_stores_the_core_attributes_scores_them_and_names_what_is_missing(
    db_session: Session, browser: Browser, member: Member, gpc: None
) -> None:
    response = browser.post("/portal/products/new", FULL)
    assert response.status_code == 303, response.text
    (product,) = _products(db_session, member.enterprise.id)
    assert product.net_content_value == Decimal("2.5")
    assert product.net_content_unit == "KGM"
    assert product.gpc_brick_code == "10005806"
    assert product.target_markets == "704 156"
    assert product.image_url == FULL["image_url"]
    page = browser.client.get(f"/portal/products/{product.id}?lang=en").text
    assert 'id="master-percent">100%' in page
    assert "Durians" in page and "VN CN" in page
    listing = browser.client.get("/portal/products").text
    assert '<td class="completeness">100%</td>' in listing
    # The edit form gives back what was typed, in the form it was typed.
    edit = browser.client.get(f"/portal/products/{product.id}/edit").text
    assert 'value="2,5"' in edit and 'value="VN CN"' in edit
    assert '<option value="KGM" selected>' in edit
    # A product with only its GTIN and name: what is missing is named.
    bare = make_product(db_session, enterprise=member.enterprise)
    page = browser.client.get(f"/portal/products/{bare.id}?lang=en").text
    assert 'id="master-percent">29%' in page  # GTIN and description of seven
    for label in ("Brand name", "Product image URL", "GPC brick code", "Target market"):
        assert label in page
    listing = browser.client.get("/portal/products?lang=en").text
    assert "29%" in listing and "missing" in listing


CASES: list[tuple[dict[str, str], str, str, str]] = [
    ({"gpc_brick_code": "12345678"}, "gpc_brick_code", "không phải brick", "not a brick"),
    ({"gpc_brick_code": "50350100"}, "gpc_brick_code", "không phải brick", "not a brick"),
    ({"gpc_brick_code": "durian"}, "gpc_brick_code", "8 chữ số", "8 digits"),
    ({"net_content_unit": "XYZ"}, "net_content_unit", "UN/ECE Rec 20", "UN/ECE Rec 20"),
    ({"net_content_value": "0"}, "net_content_value", "lớn hơn 0", "greater than 0"),
    ({"net_content_value": "nhiều"}, "net_content_value", "Số lượng", "quantity"),
    ({"net_content_unit": ""}, "net_content_unit", "cả giá trị và đơn vị", "both a value"),
    ({"target_markets": "VN ZZ"}, "target_markets", "Không nhận ra mã nước", "Unknown country"),
    ({"target_markets": "VN " * 80}, "target_markets", "tối đa", "at most"),
    ({"image_url": "http://cdn.caimon.vn/a.jpg"}, "image_url", "https://", "https://"),
    ({"image_url": "javascript:alert(1)"}, "image_url", "https://", "https://"),
    ({"image_url": "https://user@cdn.caimon.vn/a.jpg"}, "image_url", "https://", "https://"),
    ({"image_url": "https://cdn.caimon.vn/ảnh.jpg"}, "image_url", "ASCII", "ASCII"),
    ({"image_url": "https://x.vn/" + "a" * 500}, "image_url", "500", "500"),
]


def test_bad_master_data_comes_back_on_the_form_in_both_languages(
    db_session: Session, browser: Browser, member: Member, gpc: None
) -> None:
    for change, field, vi, en in CASES:
        for lang, expected in (("vi", vi), ("en", en)):
            response = browser.post(f"/portal/products/new?lang={lang}", {**FULL, **change})
            assert response.status_code == 400, (change, response.text[:300])
            error = response.text.split(f'id="f-{field}-error">', 1)
            assert len(error) == 2, (change, lang)
            assert expected in error[1].split("</p>", 1)[0], (change, lang)
    assert _products(db_session, member.enterprise.id) == []


def test_an_edit_with_a_bad_brick_changes_nothing_and_the_search_finds_bricks(
    db_session: Session, browser: Browser, member: Member, gpc: None
) -> None:
    product = make_product(db_session, enterprise=member.enterprise, gpc_brick_code="10005807")
    db_session.flush()
    values = {"name_vi": product.name_vi, "gpc_brick_code": "99999999"}
    response = browser.post(f"/portal/products/{product.id}/edit?lang=en", values)
    assert response.status_code == 400
    assert "not a brick of the loaded GPC" in response.text
    db_session.expire_all()
    assert db_session.get(Product, product.id).gpc_brick_code == "10005807"  # type: ignore[union-attr]
    # The search the form offers, as a page (no JavaScript) and for the suggestion list.
    page = browser.client.get("/portal/gpc?q=durian").text
    assert '<td class="code">10005806</td><td>Durians</td>' in page
    assert browser.client.get("/portal/gpc/bricks?q=dried%20shrimp").json() == [
        {"code": "10005850", "title": "Dried Shrimp"}
    ]
    assert browser.client.get("/portal/gpc/bricks?q=" + "x" * 5000).json() == []


def _decoded_xlsx(content: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    # A read-only sheet leaves trailing empty cells out of a row.
    return [
        [*row, *[None] * (len(COLUMNS) - len(row))] for row in sheet.iter_rows(values_only=True)
    ]


def test_the_export_for_gs1_vietnam_holds_only_the_enterprise_products(
    db_session: Session, browser: Browser, member: Member, gpc: None
) -> None:
    assert browser.post("/portal/products/new", FULL).status_code == 303
    bare = make_product(db_session, enterprise=member.enterprise, name_vi="=HYPERLINK(1)")
    other = make_enterprise(db_session)
    stranger = make_product(db_session, enterprise=other, brand="Không phải của tôi")
    db_session.flush()

    xlsx = browser.client.get("/portal/products/gs1-master-data.xlsx")
    assert xlsx.status_code == 200
    assert "attachment" in xlsx.headers["content-disposition"]
    rows = _decoded_xlsx(xlsx.content)
    assert tuple(rows[0]) == COLUMNS
    by_gtin = {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]}
    assert stranger.gtin not in by_gtin
    assert len(by_gtin) == 2
    full = next(row for gtin, row in by_gtin.items() if gtin != bare.gtin)
    assert full["licenceKey"] and full["gtin"].startswith("0" + full["licenceKey"])
    assert full["companyName"] == member.enterprise.legal_name
    assert full["gtinStatus"] == "ACTIVE"
    assert full["brandName"] == "Vườn Cái Mơn"
    assert full["productDescription [en]"] == "Ri6 durian, whole fruit"
    assert full["productImageUrl"] == FULL["image_url"]
    assert (full["gpcCategoryCode"], full["gpcCategoryName"]) == ("10005806", "Durians")
    assert (full["netContent"], full["netContent unitCode"]) == (2.5, "KGM")
    assert full["countryOfSaleCode"] == "704 156"
    assert full["countryOfSaleCode [alpha-2]"] == "VN CN"
    assert (full["completeness %"], full["missing"]) == (100, None)
    partial = by_gtin[bare.gtin]
    assert partial["productDescription [vi]"] == "'=HYPERLINK(1)"  # data, never a formula
    assert partial["completeness %"] == 29
    assert partial["missing"] == (
        "brandName productImageUrl gpcCategoryCode netContent countryOfSaleCode"
    )

    text = browser.client.get("/portal/products/gs1-master-data.csv")
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(text.content.decode("utf-8-sig"))))
    assert tuple(table[0]) == COLUMNS
    assert sorted(row[0] for row in table[1:]) == sorted(by_gtin)


def test_the_api_takes_checks_and_returns_the_fields(
    client: TestClient, db_session: Session, gpc: None
) -> None:
    enterprise = make_enterprise(db_session)
    headers = api_headers(db_session, enterprise=enterprise)
    body = {
        "name_vi": "Tôm khô Cà Mau",
        "brand": "Đất Mũi",
        "gpc_brick_code": "10005850",
        "net_content_value": "0.25",
        "net_content_unit": "kgm",
        "target_markets": "156,VN",
        "image_url": "https://datmui.vn/tom.jpg",
    }
    created = client.post("/api/v1/products", json=body, headers=headers)
    assert created.status_code == 201, created.text
    product = created.json()
    assert (product["net_content_unit"], product["target_markets"]) == ("KGM", "156 704")
    assert Decimal(product["net_content_value"]) == Decimal("0.25")

    def count() -> int:
        return int(db_session.scalar(select(func.count()).select_from(Product)) or 0)

    before = count()
    for change, field in (
        ({"gpc_brick_code": "10005851x"}, "gpc_brick_code"),
        ({"gpc_brick_code": "70010100"}, "gpc_brick_code"),
        ({"net_content_unit": "BOX"}, "net_content_unit"),
        ({"target_markets": "Atlantis"}, "target_markets"),
        ({"image_url": "ftp://datmui.vn/tom.jpg"}, "image_url"),
        ({"net_content_value": "-1"}, "net_content_value"),
    ):
        refused = client.post("/api/v1/products", json={**body, **change}, headers=headers)
        assert refused.status_code == 422, (change, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert field in refused.text
    assert count() == before
    patched = client.patch(
        f"/api/v1/products/{product['id']}", json={"net_content_unit": "XXX"}, headers=headers
    )
    assert patched.status_code == 422
    again = client.get(f"/api/v1/products/{product['id']}", headers=headers).json()
    assert again["net_content_unit"] == "KGM"


def test_the_migration_reads_plain_net_contents() -> None:
    path = REPOSITORY / "registry/migrations/versions/0013_product_master_data.py"
    spec = importlib.util.spec_from_file_location("master_data_migration", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    parse = module.parsed_net_content
    assert parse("1 kg") == (Decimal("1"), "KGM")
    assert parse("500g") == (Decimal("500"), "GRM")
    assert parse("1,5 lít") == (Decimal("1.5"), "LTR")
    assert parse("330 ml") == (Decimal("330"), "MLT")
    for unclear in ("2 x 500 g", "hộp 12 quả", "", None, "0 kg", "1.200 kg"):
        assert parse(unclear) is None, unclear


def test_an_import_takes_the_gs1_columns_and_checks_them(
    db_session: Session, browser: Browser, member: Member, gpc: None
) -> None:
    header = (
        "Tên sản phẩm;Nhãn hiệu;Giá trị khối lượng tịnh;Đơn vị khối lượng tịnh;"
        "Mã brick GPC;Thị trường mục tiêu\n"
    )
    bad = header + "Xoài sấy;Cái Mơn;0,5;KGM;10005840;VN\nTôm khô;Đất Mũi;1;KGM;99999999;CN\n"
    refused = browser.post(
        "/portal/products/import?lang=en", files={"file": ("sp.csv", bad.encode(), "text/csv")}
    )
    assert refused.status_code == 400, refused.text[:300]
    assert "Mã brick GPC" in refused.text and "not a brick of the loaded GPC" in refused.text
    assert _products(db_session, member.enterprise.id) == []
    good = bad.replace("99999999", "10005850")
    imported = browser.post(
        "/portal/products/import", files={"file": ("sp.csv", good.encode(), "text/csv")}
    )
    assert imported.status_code == 303, imported.text[:300]
    shrimp = _products(db_session, member.enterprise.id)[1]
    assert (shrimp.gpc_brick_code, shrimp.target_markets) == ("10005850", "156")
    assert (shrimp.net_content_value, shrimp.net_content_unit) == (Decimal("1"), "KGM")


def test_the_export_and_the_brick_search_need_an_enterprise_account(
    db_session: Session, client: TestClient
) -> None:
    for path in (
        "/portal/products/gs1-master-data.xlsx",
        "/portal/products/gs1-master-data.csv",
        "/portal/gpc?q=durian",
        "/portal/gpc/bricks?q=durian",
    ):
        anonymous = client.get(path, follow_redirects=False)
        assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
    officer = make_user(db_session, role=Role.agency)
    db_session.flush()
    reset()
    signed_in = client.post(
        "/api/v1/auth/login", json={"email": officer.email, "password": PASSWORD}
    )
    assert signed_in.status_code == 200
    assert client.get("/portal/products/gs1-master-data.csv").status_code == 403
