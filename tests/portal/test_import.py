"""Bulk import: every row is checked; one wrong row means nothing is imported."""

from __future__ import annotations

import io
import time

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.products.models import Product
from registry.spreadsheets import TableLimits, read_table
from tests import hostile_tables
from tests.factories import make_product
from tests.portal.conftest import Browser, Member
from tests.portal.excel_files import windows_1258


def _count(db_session: Session, enterprise_id: int) -> int:
    return int(
        db_session.scalar(
            select(func.count()).select_from(Product).where(Product.enterprise_id == enterprise_id)
        )
        or 0
    )


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_clean_csv_imports_every_row(
    db_session: Session, browser: Browser, member: Member
) -> None:
    csv_text = "name_vi,name_en,net_content\nBưởi da xanh,Green-skin pomelo,1 quả\nCam sành,,1 kg\n"
    response = browser.post(
        "/portal/products/import",
        files={"file": ("sp.csv", csv_text.encode("utf-8-sig"), "text/csv")},
    )
    assert response.status_code == 303, response.text
    names = set(
        db_session.scalars(
            select(Product.name_vi).where(Product.enterprise_id == member.enterprise.id)
        )
    )
    assert names == {"Bưởi da xanh", "Cam sành"}


def test_one_bad_row_in_an_xlsx_imports_nothing_and_reports_every_bad_row(
    db_session: Session, browser: Browser, member: Member
) -> None:
    existing = make_product(db_session, enterprise=member.enterprise)
    db_session.flush()
    before = _count(db_session, member.enterprise.id)
    workbook = _xlsx(
        [
            ["name_vi", "gtin", "brand"],
            ["Khoai lang tím", None, "Cái Bè"],  # row 2: fine
            ["", None, "Không tên"],  # row 3: no name
            ["Nhãn xuồng", existing.gtin, None],  # row 4: GTIN already used
            ["Chôm chôm", 8930000000011, None],  # row 5: wrong check digit (a number cell)
        ]
    )
    response = browser.post(
        "/portal/products/import",
        files={"file": ("sp.xlsx", workbook, "application/octet-stream")},
    )
    assert response.status_code == 400
    page = response.text
    assert "Không nhập sản phẩm nào" in page
    for row, field in ((3, "name_vi"), (4, "gtin"), (5, "gtin")):
        assert f'<td>{row}</td><td class="code">{field}</td>' in page
    assert "<td>2</td>" not in page
    assert _count(db_session, member.enterprise.id) == before


def test_errors_come_in_english_too(browser: Browser, member: Member) -> None:
    response = browser.post(
        "/portal/products/import?lang=en",
        files={"file": ("sp.csv", b"name_vi\n\nX\n,\n", "text/csv")},
    )
    assert response.status_code == 303  # blank rows are skipped, X is imported
    bad = browser.post(
        "/portal/products/import?lang=en",
        files={"file": ("sp.csv", b"name_vi,colour\nX,red\n", "text/csv")},
    )
    assert bad.status_code == 400
    assert "Unknown columns: colour." in bad.text


def _names(db_session: Session, enterprise_id: int) -> set[str]:
    return set(
        db_session.scalars(select(Product.name_vi).where(Product.enterprise_id == enterprise_id))
    )


SEMICOLON_VIETNAMESE = (
    "Tên sản phẩm;Nhãn hiệu;Khối lượng tịnh;Mô tả\r\n"
    'Xoài cát Hòa Lộc;HTX Hòa Lộc;1 kg;"Trái to, ngọt"\r\n'
    "Bưởi Năm Roi;;1,5 kg;\r\n"
    "Mận hồng đào;;500 g;\r\n"
)


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8-sig"),
        lambda text: text.encode("utf-8"),
        windows_1258,
    ],
    ids=["utf8-bom", "utf8", "windows-1258"],
)
def test_a_semicolon_csv_with_vietnamese_headers_from_excel_imports(
    db_session: Session, browser: Browser, member: Member, encode
) -> None:  # type: ignore[no-untyped-def]
    response = browser.post(
        "/portal/products/import",
        files={"file": ("sp.csv", encode(SEMICOLON_VIETNAMESE), "text/csv")},
    )
    assert response.status_code == 303, response.text
    assert _names(db_session, member.enterprise.id) == {
        "Xoài cát Hòa Lộc",
        "Bưởi Năm Roi",
        "Mận hồng đào",
    }
    pomelo = db_session.scalar(select(Product).where(Product.name_vi == "Bưởi Năm Roi"))
    assert pomelo is not None and pomelo.net_content == "1,5 kg"
    mango = db_session.scalar(select(Product).where(Product.name_vi == "Xoài cát Hòa Lộc"))
    assert mango is not None and mango.description_vi == "Trái to, ngọt"


def test_a_western_windows_file_imports(
    db_session: Session, browser: Browser, member: Member
) -> None:
    response = browser.post(
        "/portal/products/import",
        files={"file": ("sp.csv", "name_vi,brand\nCafé crème,Ñandú\n".encode("cp1252"), "x")},
    )
    assert response.status_code == 303, response.text
    assert _names(db_session, member.enterprise.id) == {"Café crème"}


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        # Excel saving to an ANSI code page turns letters it lacks into "?".
        ("Tên sản phẩm\nXo?i c?t\n".encode("cp1258", "replace"), "mất chữ có dấu"),
        # TCVN3 ("ABC"), an old Vietnamese font encoding: neither code page reads it.
        (b"T\xaan s\xb6n ph\xc8m\nXo\xb5i\n", "Không nhận ra bảng mã"),
    ],
)
def test_a_file_whose_letters_cannot_be_read_says_how_to_save_it_as_utf8(
    db_session: Session, browser: Browser, member: Member, data: bytes, needle: str
) -> None:
    before = _count(db_session, member.enterprise.id)
    response = browser.post("/portal/products/import", files={"file": ("sp.csv", data, "x")})
    assert response.status_code == 400
    assert needle in response.text
    assert "CSV UTF-8 (Comma delimited)" in response.text and "Lưu thành" in response.text
    assert _count(db_session, member.enterprise.id) == before


def test_a_bad_row_names_the_column_as_the_file_wrote_it(
    db_session: Session, browser: Browser, member: Member
) -> None:
    before = _count(db_session, member.enterprise.id)
    csv_bytes = "Tên sản phẩm;Mã GTIN\nCam sành;8930000000011\n".encode()
    response = browser.post("/portal/products/import", files={"file": ("sp.csv", csv_bytes, "x")})
    assert response.status_code == 400
    assert '<td>2</td><td class="code">Mã GTIN</td>' in response.text
    assert _count(db_session, member.enterprise.id) == before


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_template_has_vietnamese_headers_and_imports_as_it_is(
    db_session: Session, browser: Browser, member: Member, kind: str
) -> None:
    template = browser.client.get(f"/portal/products/import/template.{kind}")
    assert template.status_code == 200
    assert "san-pham-mau" in template.headers["content-disposition"]
    header = next(iter(read_table(template.content, limits=TableLimits(9, 10**6))))
    assert header[:2] == ["Mã GTIN", "Tên sản phẩm"]
    if kind == "csv":
        assert template.content.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
        assert b";" in template.content.splitlines()[0]
    response = browser.post(
        "/portal/products/import",
        files={"file": (f"mau.{kind}", template.content, "application/octet-stream")},
    )
    assert response.status_code == 303, response.text
    assert _names(db_session, member.enterprise.id) == {"Gạo ST25"}


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (hostile_tables.many_identical_rows, "unpacks to"),
        (hostile_tables.declared_rows, "At most 5,000 rows"),
        (hostile_tables.skipped_rows, "At most 5,000 rows"),
    ],
)
def test_a_spreadsheet_of_millions_of_rows_is_refused_at_once(
    db_session: Session,
    browser: Browser,
    member: Member,
    make,
    needle: str,  # type: ignore[no-untyped-def]
) -> None:
    data = make("name_vi")
    assert len(data) < 500_000
    before = _count(db_session, member.enterprise.id)
    started = time.perf_counter()
    response = browser.post(
        "/portal/products/import?lang=en",
        files={"file": ("sp.xlsx", data, "application/octet-stream")},
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 400
    assert needle in response.text
    assert _count(db_session, member.enterprise.id) == before
    assert elapsed < 5, f"refusing took {elapsed:.1f} s"


def test_rows_beyond_an_understated_dimension_still_count(
    db_session: Session, browser: Browser, member: Member
) -> None:
    before = _count(db_session, member.enterprise.id)
    response = browser.post(
        "/portal/products/import?lang=en",
        files={"file": ("sp.xlsx", hostile_tables.understated_rows("name_vi", rows=5001), "x")},
    )
    assert response.status_code == 400 and "At most 5,000 rows" in response.text
    assert _count(db_session, member.enterprise.id) == before


def test_a_csv_is_capped_by_rows_and_field_size(
    db_session: Session, browser: Browser, member: Member
) -> None:
    before = _count(db_session, member.enterprise.id)
    rows = "name_vi\n" + "Cam\n" * 5001
    too_long = browser.post(
        "/portal/products/import?lang=en",
        files={"file": ("sp.csv", rows.encode(), "text/csv")},
    )
    assert too_long.status_code == 400 and "At most 5,000 rows" in too_long.text
    huge_field = browser.post(
        "/portal/products/import?lang=en",
        files={"file": ("sp.csv", b'name_vi\n"' + b"x" * 200_000 + b'"\n', "text/csv")},
    )
    assert huge_field.status_code == 400 and "The CSV file is malformed" in huge_field.text
    assert _count(db_session, member.enterprise.id) == before


def test_a_row_the_database_could_not_store_is_reported_on_its_row(
    db_session: Session, browser: Browser, member: Member
) -> None:
    before = _count(db_session, member.enterprise.id)
    csv_text = f"name_vi,brand\nBưởi\x00 da xanh,\nCam sành,{'B' * 201}\nQuýt hồng,Lai Vung\n"
    response = browser.post(
        "/portal/products/import",
        files={"file": ("sp.csv", csv_text.encode("utf-8"), "text/csv")},
    )
    assert response.status_code == 400
    page = response.text
    for row, field in ((2, "name_vi"), (3, "brand")):
        assert f'<td>{row}</td><td class="code">{field}</td>' in page
    assert "200" in page
    assert _count(db_session, member.enterprise.id) == before
