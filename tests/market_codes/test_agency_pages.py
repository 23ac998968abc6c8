"""Officer pages on both databases: record a code (with a KML boundary), change a
market's approval with a reason, see the history; bad input comes back as the form with
the message by the field and nothing stored; an enterprise may not post here."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.audit.models import AuditEntry
from registry.locations.models import LocationKind
from registry.market_codes.models import ApprovalStatus, MarketCode, MarketCodeChange
from tests.factories import make_location
from tests.market_codes.conftest import World, csrf_of, sign_in
from tests.market_codes.test_boundary import KML, XXE


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_an_officer_records_a_code_with_a_kml_boundary(
    staff: TestClient, db_session: Session, world: World
) -> None:
    area = make_location(
        db_session, enterprise=world.product.enterprise, kind=LocationKind.growing_area
    )
    page = staff.get("/agency/market-codes")
    assert page.status_code == 200 and world.area_code.code in page.text
    assert 'id="count-code-warnings">(0)' in page.text
    answer = staff.post(
        "/agency/market-codes",
        data={
            "csrf_token": csrf_of(page.text),
            "gln": area.gln,
            "code": "  VN-TGOR-0107 (CN) ",
            "markets": "cn, au",
            "issuing_body": "Cục Bảo vệ thực vật",
            "crop": "Sầu riêng",
            "area_ha": "12,5",
            "households": "9",
            "valid_from": "2026-01-01",
            "valid_to": "2027-12-31",
        },
        files={"boundary_file": ("vuon.kml", KML, "application/vnd.google-earth.kml+xml")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    detail = staff.get(answer.headers["location"])
    assert "VN-TGOR-0107 (CN)" in detail.text and "Úc (AU)" in detail.text
    code = db_session.scalar(select(MarketCode).where(MarketCode.code == "VN-TGOR-0107 (CN)"))
    assert code is not None and str(code.area_ha) == "12.5000" and code.households == 9
    assert code.boundary is not None and code.boundary.startswith('{"type":"Polygon"')
    assert [(a.market, a.status) for a in code.approvals] == [
        ("AU", ApprovalStatus.active),
        ("CN", ApprovalStatus.active),
    ]
    assert db_session.scalar(
        select(AuditEntry.id).where(
            AuditEntry.entity == "market_code", AuditEntry.entity_id == str(code.id)
        )
    )


def test_bad_input_shows_the_form_again_and_stores_nothing(
    staff: TestClient, db_session: Session, world: World
) -> None:
    page = staff.get("/agency/market-codes")
    token = csrf_of(page.text)
    before = (_count(db_session, MarketCode), _count(db_session, AuditEntry))
    cases = [
        ({"gln": world.area.gln, "code": "X-1", "markets": "ZZ"}, None, "markets"),
        ({"gln": "8930000000000", "code": "X-2"}, None, "gln"),
        ({"gln": world.area.gln, "code": world.packhouse_code.code}, None, "code"),
        ({"gln": world.area.gln, "code": "X-3", "area_ha": "-4"}, None, "area_ha"),
        ({"gln": world.area.gln, "code": "X-4"}, ("x.kml", XXE), "boundary"),
        ({"gln": world.area.gln, "code": "X" * 65}, None, "code"),
    ]
    for fields, upload, field in cases:
        answer = staff.post(
            "/agency/market-codes",
            data={"csrf_token": token, **fields},
            files={"boundary_file": upload} if upload else None,
        )
        assert answer.status_code in (409, 422), (field, answer.text[:300])
        assert f'id="{field}-error"' in answer.text, field
        assert "Chưa lưu được" in answer.text
    control = staff.post(
        "/agency/market-codes", data={"csrf_token": token, "gln": world.area.gln, "code": "A\x07"}
    )
    assert control.status_code == 422
    assert (_count(db_session, MarketCode), _count(db_session, AuditEntry)) == before


def test_approvals_change_with_a_reason_and_show_in_the_history(
    staff: TestClient, db_session: Session, world: World
) -> None:
    url = f"/agency/market-codes/{world.packhouse_code.id}"
    token = csrf_of(staff.get(url).text)
    missing = staff.post(
        f"{url}/approvals", data={"csrf_token": token, "market": "CN", "status": "suspended"}
    )
    assert missing.status_code == 422 and 'id="reason-error"' in missing.text
    done = staff.post(
        f"{url}/approvals",
        data={
            "csrf_token": token,
            "market": "CN",
            "status": "suspended",
            "reason": "GACC thông báo tạm dừng",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = staff.get(url)
    assert "GACC thông báo tạm dừng" in page.text and "Tạm dừng" in page.text
    again = staff.post(
        f"{url}/approvals",
        data={"csrf_token": token, "market": "CN", "status": "suspended", "reason": "lại"},
    )
    assert again.status_code == 409
    edited = staff.post(
        url,
        data={"csrf_token": token, "crop": "Sầu riêng", "area_ha": "3", "edit_reason": "Đo lại"},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    changes = db_session.scalars(
        select(MarketCodeChange.what).where(
            MarketCodeChange.market_code_id == world.packhouse_code.id
        )
    ).all()
    assert sorted(changes) == ["area_ha", "created", "crop", "status", "status", "status"]


def test_an_enterprise_user_cannot_use_the_officer_pages(
    client: TestClient, db_session: Session, world: World
) -> None:
    sign_in(client, db_session, role=Role.enterprise, enterprise=world.product.enterprise)
    token = csrf_of(client.get("/portal/market-codes").text)
    before = (_count(db_session, MarketCode), _count(db_session, MarketCodeChange))
    for url, data in [
        ("/agency/market-codes", {"gln": world.area.gln, "code": "MINE-1", "markets": "CN"}),
        (
            f"/agency/market-codes/{world.area_code.id}/approvals",
            {"market": "AU", "status": "active", "reason": "tự cấp"},
        ),
        ("/agency/yield-ceilings", {"crop": "Sầu riêng", "tonnes_per_ha": "999"}),
        # Refused as who they are before the body is read (not for the control character).
        ("/agency/market-codes", {"gln": world.area.gln, "code": "MINE\x07", "markets": "CN"}),
        ("/agency/market-codes-import", {"source": "GACC\x07"}),
    ]:
        answer = client.post(url, data={"csrf_token": token, **data})
        assert answer.status_code == 403, (url, answer.status_code)
    assert (_count(db_session, MarketCode), _count(db_session, MarketCodeChange)) == before
    # What the enterprise sees: its own codes, read-only, with each market's status.
    page = client.get("/portal/market-codes")
    assert world.area_code.code in page.text and "Trung Quốc (CN)" in page.text
