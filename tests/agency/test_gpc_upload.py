"""The agency loads GS1's GPC XML through its page; hostile files and anyone but agency
staff change nothing; the agency sees how complete each enterprise's GS1 data is."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.actor import SYSTEM
from registry.audit.models import AuditEntry
from registry.gpc.load import MAX_FILE_BYTES
from registry.gpc.models import GpcCategory
from registry.gpc.service import SAMPLE_GPC, load_gpc
from service import ratelimit
from tests.agency.conftest import csrf_of
from tests.factories import PASSWORD, make_enterprise, make_product, make_user
from tests.testdata import data_path

HTML = {"Accept": "text/html"}
SAMPLE = data_path("gpc", "gpc-sample-en.xml").read_bytes()
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE schema [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<schema><segment code="50000000" text="&x;"><family code="50350000" text="F">'
    b'<class code="50350100" text="C"><brick code="10005806" text="&x;"/></class></family>'
    b"</segment></schema>"
)


def _state(db_session: Session) -> tuple[int, int]:
    categories = db_session.scalar(select(func.count()).select_from(GpcCategory))
    audits = db_session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "gpc")
    )
    return int(categories or 0), int(audits or 0)


def _upload(client: TestClient, data: bytes, *, lang: str = "en", token: str | None = None):  # type: ignore[no-untyped-def]
    if token is None:
        token = csrf_of(client.get("/agency/gpc", headers=HTML).text)
    return client.post(
        f"/agency/gpc?lang={lang}",
        headers=HTML,
        data={"csrf_token": token},
        files={"file": ("gpc.xml", data, "application/xml")},
    )


def test_staff_load_the_sample_and_hostile_files_change_nothing(
    db_session: Session, staff: TestClient
) -> None:
    loaded = _upload(staff, SAMPLE)
    assert loaded.status_code == 200, loaded.text
    assert 'id="gpc-bricks">39<' in loaded.text
    after_load = _state(db_session)
    assert after_load == (58, 1)

    for data, lang, message in (
        (XXE, "en", "may not carry a DOCTYPE"),
        (XXE, "vi", "không được có khai báo DOCTYPE"),
        (b"<schema><segment code='1' text='x'/></schema>", "en", "8 digits"),
        (b"not xml", "vi", "không phải XML hợp lệ"),
    ):
        refused = _upload(staff, data, lang=lang)
        assert refused.status_code == 422
        assert 'id="f-file-error"' in refused.text and message in refused.text
        assert _state(db_session) == after_load

    no_file = staff.post(
        "/agency/gpc?lang=en",
        headers=HTML,
        data={"csrf_token": csrf_of(staff.get("/agency/gpc", headers=HTML).text)},
    )
    assert no_file.status_code == 422 and "Choose a GPC XML file" in no_file.text
    assert _upload(staff, SAMPLE, token="forged").status_code == 403
    # An upload declaring more than a GPC file may hold is refused before it is read.
    huge = staff.post(
        "/agency/gpc?lang=en",
        headers={
            **HTML,
            "Content-Length": str(MAX_FILE_BYTES * 2),
            "Content-Type": "multipart/form-data; boundary=x",
        },
        content=b"--x--",
    )
    assert huge.status_code == 422 and "too large" in huge.text
    assert _state(db_session) == after_load


def test_an_enterprise_may_not_load_the_gpc(db_session: Session, client: TestClient) -> None:
    enterprise = make_enterprise(db_session)
    user = make_user(db_session, enterprise=enterprise)
    db_session.flush()
    ratelimit.reset()
    signed_in = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert signed_in.status_code == 200
    before = _state(db_session)
    assert client.get("/agency/gpc", headers=HTML).status_code == 403
    response = client.post(
        "/agency/gpc",
        headers=HTML,
        data={"csrf_token": "x"},
        files={"file": ("gpc.xml", SAMPLE, "application/xml")},
    )
    assert response.status_code == 403
    assert client.get("/agency/master-data", headers=HTML).status_code == 403
    # Refused as who they are before the body is looked at: a huge declared size or a
    # control character in a field would otherwise be read (and answered) first.
    pasted = client.post(
        "/agency/gpc", headers=HTML, data={"csrf_token": "x\x07"}, files={"file": ("g.xml", b"")}
    )
    assert pasted.status_code == 403
    client.cookies.clear()
    huge = client.post(
        "/agency/gpc",
        headers={
            **HTML,
            "Content-Length": str(MAX_FILE_BYTES * 2),
            "Content-Type": "multipart/form-data; boundary=x",
        },
        content=b"--x--",
    )
    assert huge.status_code == 401
    assert _state(db_session) == before


def test_the_agency_sees_the_average_completeness_per_enterprise(
    db_session: Session, staff: TestClient
) -> None:
    with SAMPLE_GPC.open("rb") as stream:
        load_gpc(db_session, actor=SYSTEM, stream=stream)
    complete = make_enterprise(db_session)
    make_product(
        db_session,
        enterprise=complete,
        brand="Cái Mơn",
        image_url="https://caimon.vn/a.jpg",
        gpc_brick_code="10005806",
        net_content_value=Decimal("2"),
        net_content_unit="KGM",
        target_markets="156",
    )
    make_product(db_session, enterprise=complete, brand="Cái Mơn")  # 3 of 7
    bare = make_enterprise(db_session)
    make_product(db_session, enterprise=bare)  # 2 of 7
    db_session.flush()
    page = staff.get("/agency/master-data?lang=en", headers=HTML)
    assert page.status_code == 200
    rows = page.text.split('data-enterprise="')
    by_id = {int(row.split('"', 1)[0]): row.split("</tr>", 1)[0] for row in rows[1:]}
    # (100 + 42.9) / 2 = 71.4 %; 28.6 %.
    assert "71.4%" in by_id[complete.id] and '<td class="number">1</td>' in by_id[complete.id]
    assert "28.6%" in by_id[bare.id]
