"""Input limits, through the real app on both databases: every request body has a ceiling
by route family (413, problem JSON or a page; by Content-Length at once, by the bytes
received for a chunked body), a write that names no caller is refused before its body is
read, and no name or code holds a zero-width character. Each refusal changes nothing.

The ceilings are service/body_limits.py's; docs/architecture.md lists them.
"""

from __future__ import annotations

import base64
import json
import select as socket_select
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.accounts.service import create_api_key
from registry.actor import SYSTEM
from registry.db import make_engine, make_sessionmaker, unit_of_work
from registry.models import Base
from service import ratelimit
from service.pages.agency.queues import MAX_UPLOAD_BYTES as MAX_REGISTER_BYTES
from service.request_body import MIB
from tests.factories import PASSWORD, make_enterprise, make_product, make_user
from tests.live_app import served_app
from tests.security.world import BASE

PROBLEM_JSON = "application/problem+json"
REFERENCE_TABLES = {"admin_unit"}


def row_counts(connection: Connection) -> dict[str, int]:
    """How many rows every table holds: what "changes nothing" is compared on."""
    return {
        table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
        for table in Base.metadata.sorted_tables
        if table.name not in REFERENCE_TABLES
    }


@dataclass(frozen=True)
class People:
    enterprise_email: str
    agency_email: str
    enterprise_key: str


@pytest.fixture
def people(db_session: Session) -> People:
    enterprise = make_enterprise(db_session)
    user = make_user(db_session, enterprise=enterprise)
    officer = make_user(db_session, role=Role.agency)
    key = create_api_key(db_session, actor=SYSTEM, role=Role.enterprise, enterprise=enterprise)
    db_session.flush()
    ratelimit.reset()
    return People(user.email, officer.email, key.secret)


@pytest.fixture
def browser(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url=BASE) as client:
        yield client


def sign_in(browser: TestClient, email: str) -> str:
    """Signs the browser in; the session's CSRF token."""
    answer = browser.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    payload = browser.cookies.get("truyxuat_session", "").split(".", 1)[0]
    return str(json.loads(base64.b64decode(payload + "==")).get("csrf", ""))


def assert_problem(answer: Any, status: int, *words: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text[:500]
    assert answer.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = answer.json()
    for word in words:
        assert word in body["message_vi"] + " " + body["message_en"], body
    return body


HTML = {"Accept": "text/html", "Accept-Language": "vi"}


# -- 1. ceilings by route family, and writes that name no caller


def test_an_api_body_over_its_ceiling_is_refused_with_problem_json(
    browser: TestClient, people: People, connection: Connection
) -> None:
    before = row_counts(connection)
    body = b'{"name_vi": "' + b"x" * MIB + b'"}'
    answer = browser.post(
        "/api/v1/products",
        content=body,
        headers={"X-API-Key": people.enterprise_key, "Content-Type": "application/json"},
    )
    problem = assert_problem(answer, 413, "quá lớn", "too large", "1,0 MB", "1.0 MB")
    assert problem["type"].endswith("/content-too-large")
    assert row_counts(connection) == before


def test_a_portal_form_over_its_ceiling_gets_a_page(
    browser: TestClient, people: People, connection: Connection
) -> None:
    csrf = sign_in(browser, people.enterprise_email)
    before = row_counts(connection)
    answer = browser.post(
        "/portal/products/new",
        data={"csrf_token": csrf, "name_vi": "Xoài", "gtin_mode": "auto"},
        files={"image": ("anh.jpg", b"\xff" * (6 * MIB), "image/jpeg")},
        headers=HTML,
        follow_redirects=False,
    )
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("text/html")
    assert "Dữ liệu gửi lên quá lớn" in answer.text
    assert row_counts(connection) == before


def test_public_forms_have_a_ceiling_too(browser: TestClient, connection: Connection) -> None:
    before = row_counts(connection)
    answer = browser.post(
        "/api/v1/auth/login",
        json={"email": "a@example.vn", "password": "x" * (2 * MIB)},
    )
    assert_problem(answer, 413, "1,0 MB")
    answer = browser.post("/login", data={"email": "x" * (300 * 1024)}, headers=HTML)
    assert answer.status_code == 413
    assert "quá lớn" in answer.text
    assert row_counts(connection) == before


ANONYMOUS_WRITES = [
    ("/api/v1/products", 401, PROBLEM_JSON),
    ("/api/v1/lots/1/harvest", 401, PROBLEM_JSON),
    ("/epcis/capture", 401, PROBLEM_JSON),
    ("/agency/population", 401, "text/html"),
    ("/agency/recalls", 401, "text/html"),
    ("/portal/products/new", 303, None),
]


@pytest.mark.parametrize(("path", "status", "media_type"), ANONYMOUS_WRITES)
def test_a_write_that_names_no_caller_is_refused_as_the_route_would(
    browser: TestClient, connection: Connection, path: str, status: int, media_type: str | None
) -> None:
    before = row_counts(connection)
    headers = HTML if media_type == "text/html" else {"Accept": "application/json"}
    answer = browser.post(path, content=b"x" * 1000, headers=headers, follow_redirects=False)
    assert answer.status_code == status, answer.text[:300]
    if media_type is not None:
        assert answer.headers["content-type"].startswith(media_type)
    else:
        assert answer.headers["location"] == f"/login?next={path}"
    assert row_counts(connection) == before


def test_a_bad_key_is_still_the_routes_to_refuse(
    browser: TestClient, connection: Connection
) -> None:
    answer = browser.post(
        "/api/v1/products", json={"name_vi": "Xoài"}, headers={"X-API-Key": "not-a-key"}
    )
    assert_problem(answer, 401)


# -- 2. the business register upload


def test_the_register_upload_asks_who_calls_before_it_reads(
    browser: TestClient, people: People, connection: Connection
) -> None:
    csrf = sign_in(browser, people.enterprise_email)
    before = row_counts(connection)
    answer = browser.post(
        "/agency/population",
        data={"csrf_token": csrf},
        files={"file": ("dkkd.csv", b"ma_so_thue\n0101234567\n", "text/csv")},
        headers=HTML,
    )
    assert answer.status_code == 403
    assert row_counts(connection) == before


def test_the_register_upload_refuses_past_20_mb(
    browser: TestClient, people: People, connection: Connection
) -> None:
    csrf = sign_in(browser, people.agency_email)
    before = row_counts(connection)
    # Past the file's limit but inside the form's ceiling: the route's own message.
    answer = browser.post(
        "/agency/population",
        data={"csrf_token": csrf},
        files={"file": ("dkkd.csv", b"x" * (MAX_REGISTER_BYTES + 1), "text/csv")},
        headers=HTML,
    )
    assert answer.status_code == 422
    assert "Tệp quá lớn (tối đa 20 MB)" in answer.text
    # Past the ceiling: refused while it arrives.
    answer = browser.post(
        "/agency/population",
        data={"csrf_token": csrf},
        files={"file": ("dkkd.csv", b"x" * (MAX_REGISTER_BYTES + MIB), "text/csv")},
        headers=HTML,
    )
    assert answer.status_code == 413
    assert "quá lớn" in answer.text
    assert row_counts(connection) == before


def test_the_register_upload_without_a_file_says_so(
    browser: TestClient, people: People, connection: Connection
) -> None:
    csrf = sign_in(browser, people.agency_email)
    answer = browser.post("/agency/population", data={"csrf_token": csrf}, headers=HTML)
    assert answer.status_code == 422
    assert "Chọn tệp sổ đăng ký kinh doanh" in answer.text


# -- over a real socket: bodies counted as they arrive (chunked), refused before they end


@dataclass(frozen=True)
class Served:
    url: str
    port: int
    key: str
    database_url: str


@pytest.fixture(scope="module")
def served(
    committed_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    engine = make_engine(committed_database_url)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as session:
        enterprise = make_enterprise(session)
        key = create_api_key(session, actor=SYSTEM, role=Role.enterprise, enterprise=enterprise)
        secret = key.secret
    data = tmp_path_factory.mktemp("limits")
    try:
        with served_app(
            committed_database_url, secret_key="limits-test-secret", data_dir=data
        ) as url:
            yield Served(url, int(url.rsplit(":", 1)[1]), secret, committed_database_url)
    finally:
        engine.dispose()


def counts_of(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return row_counts(connection)
    finally:
        engine.dispose()


def raw_request(served: Served, head: str, chunks: Iterator[bytes]) -> tuple[int, bytes]:
    """Sends the head, then chunks until the server answers (never the body's end);
    the status and what came back. Before each chunk it looks whether the answer has come,
    without waiting for one (waiting 50 ms a chunk made a 1 MB ceiling cost a second)."""
    with socket.create_connection(("127.0.0.1", served.port), timeout=20) as sock:
        sock.sendall(head.encode("latin-1"))
        sock.settimeout(2)  # a server that stops reading without answering
        answer = b""
        for chunk in chunks:
            if socket_select.select([sock], [], [], 0)[0]:
                break  # answered, or closed: read below
            try:
                sock.sendall(chunk)
            except OSError:
                break  # closed by the server: its answer is waiting
        sock.settimeout(20)
        while b"\r\n\r\n" not in answer:
            more = sock.recv(65536)
            if not more:
                break
            answer += more
    status = int(answer.split(b" ", 2)[1])
    return status, answer


def chunked(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """`total` bytes of chunked body in `size` pieces, without the closing zero chunk."""
    sent = 0
    while sent < total:
        yield f"{size:x}\r\n".encode() + b"x" * size + b"\r\n"
        sent += size


def head(path: str, *lines: str) -> str:
    return (
        "".join(
            [f"POST {path} HTTP/1.1\r\n", "Host: 127.0.0.1\r\n", *(f"{line}\r\n" for line in lines)]
        )
        + "\r\n"
    )


def test_a_chunked_body_is_refused_once_past_its_ceiling(served: Served) -> None:
    before = counts_of(served.database_url)
    status, answer = raw_request(
        served,
        head(
            "/api/v1/products",
            f"X-API-Key: {served.key}",
            "Content-Type: application/json",
            "Transfer-Encoding: chunked",
        ),
        chunked(8 * MIB),
    )
    assert status == 413, answer[:300]
    assert PROBLEM_JSON.encode() in answer
    assert counts_of(served.database_url) == before


def test_a_declared_size_over_the_ceiling_is_refused_before_any_byte(served: Served) -> None:
    status, answer = raw_request(
        served,
        head(
            "/api/v1/products",
            f"X-API-Key: {served.key}",
            "Content-Type: application/json",
            f"Content-Length: {50 * MIB}",
        ),
        iter([b""] * 200),  # no body at all: the answer comes without it
    )
    assert status == 413, answer[:300]


def test_an_anonymous_write_is_answered_without_its_body(served: Served) -> None:
    before = counts_of(served.database_url)
    for path, expected in (
        ("/api/v1/products", 401),
        ("/agency/gpc", 401),
        ("/epcis/capture", 401),
    ):
        status, answer = raw_request(
            served,
            head(path, "Content-Type: application/json", "Transfer-Encoding: chunked"),
            iter([b""] * 200),
        )
        assert status == expected, (path, answer[:300])
    assert counts_of(served.database_url) == before


def test_a_chunked_form_to_a_public_page_is_refused_past_its_ceiling(served: Served) -> None:
    status, answer = raw_request(
        served,
        head(
            "/login",
            "Accept: text/html",
            "Content-Type: application/x-www-form-urlencoded",
            "Transfer-Encoding: chunked",
        ),
        chunked(4 * MIB),
    )
    assert status == 413, answer[:300]
    assert b"text/html" in answer


# -- 3. zero-width characters

ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]


@pytest.mark.parametrize("character", ZERO_WIDTH)
def test_names_and_codes_refuse_zero_width_characters(
    browser: TestClient, people: People, connection: Connection, character: str
) -> None:
    key = {"X-API-Key": people.enterprise_key}
    before = row_counts(connection)
    code = f"U+{ord(character):04X}"
    for path, body, field in (
        ("/api/v1/products", {"name_vi": f"Xoài{character} cát"}, "name_vi"),
        ("/api/v1/locations", {"kind": "farm", "name": f"Kho{character}A"}, "name"),
        ("/api/v1/lots", {"product_id": 1, "code": f"L{character}1"}, "code"),
    ):
        answer = browser.post(path, json=body, headers=key)
        problem = assert_problem(answer, 422, code)
        assert field in {error["field"] for error in problem["errors"]}
    assert row_counts(connection) == before


def test_free_text_keeps_an_emoji_but_not_a_lone_joiner(
    browser: TestClient, people: People, connection: Connection
) -> None:
    key = {"X-API-Key": people.enterprise_key}
    farmer = "\U0001f469\u200d\U0001f33e"  # woman, ZWJ, ear of rice
    answer = browser.post(
        "/api/v1/products",
        json={"name_vi": "Xoài cát", "description_vi": f"Nhà nông {farmer} trồng"},
        headers=key,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["description_vi"] == f"Nhà nông {farmer} trồng"
    before = row_counts(connection)
    for text in ("Xoài\u200dcát", f"{farmer}\u200b", "\u200d\U0001f33e"):
        answer = browser.post(
            "/api/v1/products", json={"name_vi": "Xoài", "description_vi": text}, headers=key
        )
        assert_problem(answer, 422, "U+")
    answer = browser.post("/api/v1/products", json={"name_vi": f"Xoài {farmer}"}, headers=key)
    assert_problem(answer, 422, "U+200D")
    assert row_counts(connection) == before


def test_a_portal_form_with_a_zero_width_character_comes_back_cleaned(
    browser: TestClient, people: People, connection: Connection
) -> None:
    csrf = sign_in(browser, people.enterprise_email)
    before = row_counts(connection)
    answer = browser.post(
        "/portal/products/new",
        data={"csrf_token": csrf, "name_vi": "Xoài\u200b cát", "gtin_mode": "auto"},
        headers=HTML,
        follow_redirects=False,
    )
    assert answer.status_code == 400, answer.text
    assert "U+200B" in answer.text
    assert 'value="Xoài cát"' in answer.text
    assert row_counts(connection) == before


# -- 4. agency forms: a control character shows the form again, cleaned, with the message


def test_an_agency_form_with_a_control_character_comes_back_cleaned(
    browser: TestClient, people: People, connection: Connection
) -> None:
    csrf = sign_in(browser, people.agency_email)
    before = row_counts(connection)
    for lang, words in (("vi", "ký tự điều khiển không nhìn thấy được"), ("en", "invisible")):
        answer = browser.post(
            f"/agency/yield-ceilings?lang={lang}",
            data={
                "csrf_token": csrf,
                "crop": "Sầu\x07 riêng",
                "tonnes_per_ha": "25",
                "reason": "Theo\u202e quy định",
            },
            headers=HTML,
        )
        assert answer.status_code == 422, answer.text[:300]
        assert answer.headers["content-type"].startswith("text/html")
        assert words in answer.text
        assert "U+0007" in answer.text and "U+202E" in answer.text
        assert 'value="Sầu riêng"' in answer.text  # what was typed, without the character
        assert 'value="Theo quy định"' in answer.text
    assert row_counts(connection) == before


def test_the_recall_form_with_a_control_character_comes_back_cleaned(
    browser: TestClient, people: People, db_session: Session, connection: Connection
) -> None:
    enterprise = make_enterprise(db_session)
    product = make_product(db_session, enterprise=enterprise)
    db_session.flush()
    csrf = sign_in(browser, people.agency_email)
    before = row_counts(connection)
    answer = browser.post(
        "/agency/recalls",
        data={
            "csrf_token": csrf,
            "decision": "confirm",
            "product_id": str(product.id),
            "scope": "product",
            "reason_vi": "Nhiễm\x1b khuẩn",
            "notice_vi": "Ngừng\u200b sử dụng",
        },
        headers=HTML,
    )
    assert answer.status_code == 422, answer.text[:300]
    assert "ký tự điều khiển" in answer.text
    assert "Nhiễm khuẩn" in answer.text and "Ngừng sử dụng" in answer.text
    assert "\x1b" not in answer.text and "\u200b" not in answer.text
    assert row_counts(connection) == before


def test_an_agency_form_that_cannot_show_itself_gets_a_page_in_both_languages(
    browser: TestClient, people: People, db_session: Session, connection: Connection
) -> None:
    pending = make_enterprise(db_session, verified=False)
    db_session.flush()
    csrf = sign_in(browser, people.agency_email)
    before = row_counts(connection)
    for lang, words in (("vi", "ký tự điều khiển"), ("en", "control character")):
        answer = browser.post(
            f"/agency/enterprises/{pending.id}/reject?lang={lang}",
            data={"csrf_token": csrf, "reason": "Thiếu\x07 giấy tờ"},
            headers=HTML,
        )
        assert answer.status_code == 422
        assert answer.headers["content-type"].startswith("text/html")
        assert words in answer.text and "U+0007" in answer.text
    assert row_counts(connection) == before
