"""Anonymous sign-ups are audited as the e-mail that signed up, never as "system"."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.audit.models import AuditEntry
from registry.enterprises.models import Enterprise
from tests.factories import WARD_CAI_BE, unique_tax_code
from tests.portal.conftest import Browser


def _audit_actors(session: Session, tax_code: str) -> list[tuple[str, str, str]]:
    enterprise = session.scalars(select(Enterprise).where(Enterprise.tax_code == tax_code)).one()
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.enterprise_id == enterprise.id).order_by(AuditEntry.id)
    )
    return [(entry.action, entry.entity, entry.actor) for entry in entries]


def test_api_sign_up_is_audited_as_the_signing_up_email(
    client: TestClient, db_session: Session
) -> None:
    tax_code = unique_tax_code()
    answer = client.post(
        "/api/v1/enterprises/sign-up",
        json={
            "tax_code": tax_code,
            "legal_name": "HTX Sầu riêng Ngũ Hiệp",
            "kind": "cooperative",
            "ward_code": WARD_CAI_BE,
            "account_email": "Chu.Nhiem@NguHiep.vn",
            "account_password": "sau-rieng-ri-6",
        },
    )
    assert answer.status_code == 201, answer.text
    assert _audit_actors(db_session, tax_code) == [
        ("register", "enterprise", "chu.nhiem@nguhiep.vn"),
        ("create", "user", "chu.nhiem@nguhiep.vn"),
    ]


def test_portal_sign_up_is_audited_as_the_signing_up_email(
    client: TestClient, db_session: Session
) -> None:
    tax_code = unique_tax_code()
    browser = Browser(client)
    answer = browser.post(
        "/portal/signup",
        {
            "tax_code": tax_code,
            "kind": "cooperative",
            "legal_name": "HTX Bưởi Phú Hòa",
            "ward_code": WARD_CAI_BE,
            "account_email": "buoi@phuhoa.vn",
            "password": "buoi-da-xanh-1",
            "confirm_password": "buoi-da-xanh-1",
        },
    )
    assert answer.status_code == 303, answer.text
    actors = {actor for _, _, actor in _audit_actors(db_session, tax_code)}
    assert actors == {"buoi@phuhoa.vn"}
