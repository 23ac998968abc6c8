"""Issue 16 item 5: one scan of a fake or void serial puts it on the agency's
"Mã đáng ngờ" list, with the product, the enterprise and where it was scanned."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.places.models import AdminUnit
from registry.scans.recorder import ScanRecorder
from service import ratelimit
from tests.factories import PASSWORD, make_user
from tests.resolver.conftest import World

PHONE = {"user-agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36"}


def _row(page: str, serial: str) -> str:
    rows = [
        row for row in re.findall(r"<tr data-verdict.*?</tr>", page, flags=re.S) if serial in row
    ]
    assert len(rows) == 1, page
    return rows[0]


def test_fake_and_void_serials_reach_the_suspicious_list(
    client: TestClient, recorder: ScanRecorder, world: World, db_session: Session
) -> None:
    province = db_session.scalars(
        select(AdminUnit).where(AdminUnit.level == "province").order_by(AdminUnit.code).limit(1)
    ).one()
    fake = world.path(lot=world.lot, serial=world.never_issued_serial)
    void = world.path(lot=world.void_lot, serial=world.void_serial)
    genuine = world.path(lot=world.lot, serial=world.serials[1])
    for path in (fake, void, genuine):
        assert client.get(path, headers=PHONE, follow_redirects=False).status_code == 307
    shared = client.post(
        "/p/share-place",
        data={"path": fake, "province_code": province.code},
        headers=PHONE,
        follow_redirects=False,
    )
    assert shared.status_code == 303
    recorder.flush()

    officer = make_user(db_session, role=Role.agency)
    db_session.flush()
    ratelimit.reset()
    login = {"email": officer.email, "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=login).status_code == 200
    page = client.get("/agency/suspicious", headers={"accept": "text/html"}).text

    forged = _row(page, world.never_issued_serial)
    assert 'data-verdict="serial_never_issued"' in forged
    assert "Tem này không do hệ thống cấp" in forged
    assert world.product.name_vi in forged and world.enterprise.legal_name in forged
    assert province.name in forged
    voided = _row(page, world.void_serial)
    assert 'data-verdict="serial_void"' in voided and "Tem này đã bị hủy" in voided
    assert world.enterprise.legal_name in voided
    assert world.serials[1] not in page  # one scan of a genuine serial is nothing to see
