"""The officer's queues for prefix requests and identity changes: the evidence on the
page, the counts in the menu, decisions through the forms, reasons the enterprise sees."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.audit.models import AuditEntry
from registry.enterprises.models import IdentityChangeStatus
from registry.enterprises.service import update_enterprise
from registry.prefixes.models import CompanyPrefix, PrefixRequestStatus
from registry.prefixes.service import LicenceEvidence, request_own_prefix, request_pool_prefix
from registry.settings import Settings
from service.pages.portal.images import LICENCE_SCAN_DIR, clean_image, store_image
from service.state import AppState
from tests.agency.conftest import csrf_of
from tests.factories import actor_of, certificate_scan, make_enterprise

HTML = {"accept": "text/html"}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def app_state(app_state: AppState, settings: Settings, data_dir: Path) -> AppState:
    app_state.settings = settings.model_copy(update={"data_dir": data_dir})
    return app_state


def _count(page: str, name: str) -> int:
    found = re.search(rf'id="count-{name}">\((\d+)\)', page)
    assert found, f"no count for {name} in the menu"
    return int(found.group(1))


def test_the_prefix_queue_shows_evidence_and_decides(
    db_session: Session, staff: TestClient, data_dir: Path
) -> None:
    applicant = make_enterprise(db_session, verified=False, prefix=False, legal_name="HTX Sen")
    rival = make_enterprise(db_session, prefix=False, legal_name="HTX Súng")
    scan = store_image(data_dir / "media", clean_image(certificate_scan()), folder=LICENCE_SCAN_DIR)
    evidence = LicenceEvidence("77/GS1VN", None, dt.date.today() + dt.timedelta(days=90), scan)
    own = request_own_prefix(
        db_session,
        actor=actor_of(applicant),
        enterprise=applicant,
        prefix="8937771",
        evidence=evidence,
    )
    pool = request_pool_prefix(db_session, actor=actor_of(rival), enterprise=rival)
    db_session.flush()

    page = staff.get("/agency/prefix-requests", headers=HTML).text
    assert _count(page, "prefix-requests") == 2
    assert "8937771" in page and "77/GS1VN" in page and "HTX Sen" in page
    assert f'src="/agency/prefix-requests/{own.id}/certificate"' in page
    image = staff.get(f"/agency/prefix-requests/{own.id}/certificate")
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    # The verification queue shows the applicant's request beside its record.
    queue = staff.get("/agency/enterprises", headers=HTML).text
    assert "8937771" in queue and "2 yêu cầu cấp tiền tố đang chờ" in queue

    token = csrf_of(page)
    forged = staff.post(
        f"/agency/prefix-requests/{own.id}/grant", data={"csrf_token": "x"}, headers=HTML
    )
    assert forged.status_code == 403
    no_reason = staff.post(
        f"/agency/prefix-requests/{pool.id}/reject",
        data={"csrf_token": token, "reason": "  "},
        headers=HTML,
    )
    assert no_reason.status_code == 422 and "lý do" in no_reason.text
    db_session.refresh(own)
    db_session.refresh(pool)
    assert own.status is pool.status is PrefixRequestStatus.pending

    granted = staff.post(
        f"/agency/prefix-requests/{own.id}/grant",
        data={"csrf_token": token, "reason": "Đã xem bản gốc"},
        headers=HTML,
        follow_redirects=False,
    )
    assert granted.status_code == 303
    refused = staff.post(
        f"/agency/prefix-requests/{pool.id}/reject",
        data={"csrf_token": token, "reason": "Kho đã hết, hãy đăng ký với GS1 Việt Nam"},
        headers=HTML,
        follow_redirects=False,
    )
    assert refused.status_code == 303
    db_session.refresh(own)
    db_session.refresh(pool)
    assert own.status is PrefixRequestStatus.granted and own.company_prefix_id is not None
    assert pool.status is PrefixRequestStatus.rejected
    assert pool.decision_reason == "Kho đã hết, hãy đăng ký với GS1 Việt Nam"
    granted_prefix = db_session.get(CompanyPrefix, own.company_prefix_id)
    assert granted_prefix is not None and granted_prefix.enterprise_id == applicant.id
    after = staff.get("/agency/prefix-requests", headers=HTML).text
    assert _count(after, "prefix-requests") == 0 and "Không có yêu cầu nào đang chờ" in after
    reasons = {
        entry.action: (entry.after or {}).get("reason")
        for entry in db_session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "prefix_request")
        )
        if entry.action in ("grant", "reject")
    }
    assert reasons == {
        "grant": "Đã xem bản gốc",
        "reject": "Kho đã hết, hãy đăng ký với GS1 Việt Nam",
    }


def test_the_identity_queue_compares_and_decides(db_session: Session, staff: TestClient) -> None:
    renamed = make_enterprise(db_session, legal_name="HTX Bưởi Năm Roi")
    recast = make_enterprise(db_session, legal_name="HTX Quýt Hồng")
    first = update_enterprise(
        db_session,
        actor=actor_of(renamed),
        enterprise=renamed,
        changes={"legal_name": "HTX Bưởi Năm Roi Mỹ Hòa"},
    ).identity_change
    second = update_enterprise(
        db_session, actor=actor_of(recast), enterprise=recast, changes={"kind": "company"}
    ).identity_change
    assert first is not None and second is not None
    db_session.flush()

    page = staff.get("/agency/identity-changes", headers=HTML).text
    assert _count(page, "identity-changes") == 2
    assert "HTX Bưởi Năm Roi Mỹ Hòa" in page and "HTX Quýt Hồng" in page
    token = csrf_of(page)
    approved = staff.post(
        f"/agency/identity-changes/{first.id}/approve",
        data={"csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )
    assert approved.status_code == 303
    rejected = staff.post(
        f"/agency/identity-changes/{second.id}/reject",
        data={"csrf_token": token, "reason": "Chưa có giấy đăng ký doanh nghiệp mới"},
        headers=HTML,
        follow_redirects=False,
    )
    assert rejected.status_code == 303
    db_session.refresh(renamed)
    db_session.refresh(recast)
    db_session.refresh(second)
    assert renamed.legal_name == "HTX Bưởi Năm Roi Mỹ Hòa"
    assert recast.kind.value == "cooperative"
    assert second.status is IdentityChangeStatus.rejected
    assert second.decision_reason == "Chưa có giấy đăng ký doanh nghiệp mới"
    again = staff.post(
        f"/agency/identity-changes/{first.id}/approve", data={"csrf_token": token}, headers=HTML
    )
    assert again.status_code == 409 and "đã được xử lý" in again.text
