"""An approved list (CSV and XLSX) previewed, then confirmed: the preview writes
nothing and names what each row would do; confirming needs the previewed file; a huge
or malformed file is refused with nothing stored (both databases)."""

from __future__ import annotations

import hashlib
import io
import re

from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.actor import SYSTEM
from registry.audit.models import AuditEntry
from registry.locations.models import LocationKind
from registry.market_codes.models import (
    ApprovalStatus,
    ChangeSource,
    MarketApproval,
    MarketCode,
    MarketCodeChange,
)
from registry.market_codes.service import find_code, set_approval
from tests.factories import make_location
from tests.market_codes.conftest import World, csrf_of

URL = "/agency/market-codes-import"


def _state(session: Session) -> tuple[object, ...]:
    session.expire_all()
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (MarketCode, MarketApproval, MarketCodeChange, AuditEntry)
    ) + tuple(session.execute(select(MarketApproval.market, MarketApproval.status)).all())


def _csv(world: World, new_gln: str) -> bytes:
    rows = [
        "Mã số;Thị trường;Trạng thái;GLN địa điểm;Cây trồng;Diện tích (ha);Số hộ;Hiệu lực đến",
        f"VN-NEW-001;CN;;{new_gln};Sầu riêng;4,5;6;31/12/2027",
        "VN-NEW-001;AU;tạm dừng;;;;;",
        f"{world.area_code.code};CN;Tạm dừng;;;;;",
        f"{world.packhouse_code.code};TH;hiệu lực;;;;;",
        f"{world.packhouse_code.code};CN;;{world.area.gln};;;;",
        "VN-NEW-002;XX;;;;;;",
        "VN-NEW-003;CN;;;;;;",
        f"{world.area_code.code};CN;;;;;;",
        f"{world.area_code.code};TH;thu hồi;;;;;",
    ]
    return "\n".join(rows).encode("utf-8")


def _post(staff: TestClient, token: str, data: bytes, name: str, **fields: str) -> str:
    answer = staff.post(
        URL, data={"csrf_token": token, **fields}, files={"file": (name, data, "text/csv")}
    )
    assert answer.status_code == 200, answer.text[:500]
    return answer.text


def _counts(html: str) -> dict[str, int]:
    return {
        name: int(number)
        for name, number in re.findall(r'id="count-(\w+)">[^<]*<strong>(\d+)</strong>', html)
    }


def test_preview_then_confirm_a_csv_list(
    staff: TestClient, db_session: Session, world: World
) -> None:
    set_approval(
        db_session,
        actor=SYSTEM,
        market_code=world.packhouse_code,
        market="TH",
        status=ApprovalStatus.suspended,
        reason="test",
    )
    area = make_location(
        db_session, enterprise=world.product.enterprise, kind=LocationKind.growing_area
    )
    data = _csv(world, area.gln)
    token = csrf_of(staff.get(URL).text)
    before = _state(db_session)
    preview = _post(staff, token, data, "gacc.csv")
    assert _state(db_session) == before
    # Row 9 repeats row 4's code and market: refused, like an unknown market (7), a new
    # code without a GLN (8) and a code claimed by another location (6).
    assert _counts(preview) == {
        "new": 1,
        "added": 1,
        "suspended": 1,
        "revoked": 1,
        "reinstated": 1,
        "unchanged": 0,
        "refused": 4,
    }
    assert "This code is recorded for another location" not in preview  # Vietnamese page
    assert "Mã số này đã ghi cho địa điểm khác" in preview

    wrong = _post(staff, token, data + b"\n", "gacc.csv", decision="confirm", digest="0" * 64)
    assert "Xác nhận áp dụng" in wrong and _state(db_session) == before

    digest = hashlib.sha256(data).hexdigest()
    done = _post(staff, token, data, "gacc.csv", decision="confirm", digest=digest)
    assert "Đã áp dụng" in done and "<strong>5</strong>" in done
    db_session.expire_all()
    created = find_code(db_session, "VN-NEW-001")
    assert created is not None and created.location_id == area.id
    assert str(created.area_ha) == "4.5000" and created.households == 6
    assert [(a.market, a.status) for a in created.approvals] == [
        ("AU", ApprovalStatus.suspended),
        ("CN", ApprovalStatus.active),
    ]

    def statuses(code: MarketCode) -> dict[str, ApprovalStatus]:
        stored = db_session.get(MarketCode, code.id)
        assert stored is not None
        return {a.market: a.status for a in stored.approvals}

    assert statuses(world.packhouse_code) == {"CN": ApprovalStatus.active, "TH": "active"}
    assert statuses(world.area_code) == {"CN": "suspended", "TH": "revoked"}
    sources = db_session.scalars(
        select(MarketCodeChange.source).where(
            MarketCodeChange.market_code_id == world.area_code.id,
            MarketCodeChange.reason.like("%gacc.csv"),
        )
    ).all()
    assert sources == [ChangeSource.imported, ChangeSource.imported]


def test_an_xlsx_list_previews_the_same_way(
    staff: TestClient, db_session: Session, world: World
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["code", "market", "status"])
    sheet.append([world.area_code.code, "CN", "suspended"])
    sheet.append([world.area_code.code, "TH", "active"])
    out = io.BytesIO()
    book.save(out)
    token = csrf_of(staff.get(URL).text)
    preview = _post(staff, token, out.getvalue(), "list.xlsx")
    assert _counts(preview)["suspended"] == 1 and _counts(preview)["unchanged"] == 1


def test_huge_or_malformed_files_are_refused_and_store_nothing(
    staff: TestClient, db_session: Session, world: World
) -> None:
    token = csrf_of(staff.get(URL).text)
    before = _state(db_session)
    huge = b"code,market\n" + b"VN-X,CN\n" * 300_000
    # Refused on its declared size, before the body is read.
    answer = staff.post(URL, data={"csrf_token": token}, files={"file": ("l.csv", huge)})
    assert answer.status_code == 422 and "2 MB" in answer.text
    just_over = b"code,market\n" + b"VN-X,CN\n" * 262_200  # over 2 MB, within the form's room
    for data in (just_over, b"", b"name,price\nx,1\n", b"PK\x03\x04 not a zip"):
        answer = staff.post(
            URL,
            data={"csrf_token": token, "decision": "confirm", "digest": ""},
            files={"file": ("list.csv", data, "text/csv")},
        )
        assert answer.status_code == 422, answer.text[:300]
        assert 'id="file-error"' in answer.text
    assert _state(db_session) == before
