"""Registering enterprises and the agency's verification of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from registry.accounts.actor import Actor, not_found
from registry.audit.service import (
    apply_changes,
    record_change,
    refuse_unknown_fields,
    snapshot,
)
from registry.db import utcnow
from registry.enterprises.models import Enterprise, EnterpriseKind, EnterpriseStatus
from registry.errors import Conflict, InvalidInput
from registry.pagination import Page, paginate
from registry.places.service import require_current_ward
from registry.vn import VNRuleError, parse_tax_code

WHAT = ("doanh nghiệp", "enterprise")
AUDITED = [
    "legal_name",
    "trading_name",
    "kind",
    "address",
    "ward_code",
    "sector",
    "contact_name",
    "phone",
    "email",
    "website",
    "status",
    "status_reason",
]


@dataclass
class EnterpriseDetails:
    legal_name: str
    kind: EnterpriseKind
    address: str = ""
    ward_code: str | None = None
    trading_name: str | None = None
    sector: str | None = None
    contact_name: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None


def _check_details(session: Session, details: EnterpriseDetails) -> None:
    if not details.legal_name.strip():
        raise InvalidInput(
            "Cần nhập tên doanh nghiệp.", "The legal name is required.", field="legal_name"
        )
    if details.ward_code is not None:
        require_current_ward(session, details.ward_code, field="ward_code")


def register_enterprise(
    session: Session, *, actor: Actor, tax_code: str, details: EnterpriseDetails
) -> Enterprise:
    try:
        parsed = parse_tax_code(tax_code)
    except VNRuleError as exc:
        raise InvalidInput(exc.message_vi, exc.message_en, field="tax_code") from exc
    _check_details(session, details)
    if session.scalar(select(Enterprise.id).where(Enterprise.tax_code == parsed.value)):
        raise Conflict(
            "Mã số thuế này đã được đăng ký.",
            "This tax code is already registered.",
            field="tax_code",
        )
    enterprise = Enterprise(
        tax_code=parsed.value,
        tax_code_kind=parsed.kind,
        status=EnterpriseStatus.pending,
        **vars(details),
    )
    session.add(enterprise)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="register",
        entity="enterprise",
        entity_id=enterprise.id,
        enterprise_id=enterprise.id,
        after=snapshot(enterprise, ["tax_code", *AUDITED]),
    )
    return enterprise


def update_enterprise(
    session: Session, *, actor: Actor, enterprise: Enterprise, changes: dict[str, Any]
) -> Enterprise:
    actor.ensure_sees(enterprise.id, what=WHAT)
    allowed = set(AUDITED) - {"status", "status_reason"}
    refuse_unknown_fields(changes, allowed)
    if "ward_code" in changes and changes["ward_code"] is not None:
        require_current_ward(session, changes["ward_code"], field="ward_code")
    if "legal_name" in changes and not str(changes["legal_name"] or "").strip():
        raise InvalidInput(
            "Cần nhập tên doanh nghiệp.", "The legal name is required.", field="legal_name"
        )
    apply_changes(
        session,
        actor=actor,
        record=enterprise,
        changes=changes,
        entity="enterprise",
        enterprise_id=enterprise.id,
    )
    return enterprise


def _set_status(
    session: Session,
    *,
    actor: Actor,
    enterprise: Enterprise,
    status: EnterpriseStatus,
    reason: str | None,
    action: str,
) -> Enterprise:
    actor.ensure_agency()
    before = snapshot(enterprise, ["status", "status_reason"])
    enterprise.status = status
    enterprise.status_reason = reason
    if status is EnterpriseStatus.verified:
        enterprise.verified_at = utcnow()
    record_change(
        session,
        actor=actor,
        action=action,
        entity="enterprise",
        entity_id=enterprise.id,
        enterprise_id=enterprise.id,
        before=before,
        after=snapshot(enterprise, ["status", "status_reason"]),
    )
    return enterprise


def _require_reason(reason: str | None) -> str:
    if not reason or not reason.strip():
        raise InvalidInput("Cần ghi rõ lý do.", "A reason is required.", field="reason")
    return reason.strip()


def verify_enterprise(session: Session, *, actor: Actor, enterprise: Enterprise) -> Enterprise:
    return _set_status(
        session,
        actor=actor,
        enterprise=enterprise,
        status=EnterpriseStatus.verified,
        reason=None,
        action="verify",
    )


def reject_enterprise(
    session: Session, *, actor: Actor, enterprise: Enterprise, reason: str | None
) -> Enterprise:
    return _set_status(
        session,
        actor=actor,
        enterprise=enterprise,
        status=EnterpriseStatus.rejected,
        reason=_require_reason(reason),
        action="reject",
    )


def suspend_enterprise(
    session: Session, *, actor: Actor, enterprise: Enterprise, reason: str | None
) -> Enterprise:
    return _set_status(
        session,
        actor=actor,
        enterprise=enterprise,
        status=EnterpriseStatus.suspended,
        reason=_require_reason(reason),
        action="suspend",
    )


def get_enterprise(session: Session, *, actor: Actor, enterprise_id: int) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise not_found(WHAT)
    actor.ensure_sees(enterprise.id, what=WHAT)
    return enterprise


def find_by_tax_code(session: Session, tax_code: str) -> Enterprise:
    try:
        value = parse_tax_code(tax_code).value
    except VNRuleError as exc:
        raise InvalidInput(exc.message_vi, exc.message_en, field="tax_code") from exc
    enterprise = session.scalar(select(Enterprise).where(Enterprise.tax_code == value))
    if enterprise is None:
        raise not_found(WHAT)
    return enterprise


def list_enterprises(
    session: Session,
    *,
    actor: Actor,
    status: EnterpriseStatus | None = None,
    kind: EnterpriseKind | None = None,
    ward_code: str | None = None,
    query: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[Enterprise]:
    statement: Select[Any] = select(Enterprise).order_by(Enterprise.id)
    if not actor.is_agency:
        statement = statement.where(Enterprise.id == actor.enterprise_id)
    if status:
        statement = statement.where(Enterprise.status == status)
    if kind:
        statement = statement.where(Enterprise.kind == kind)
    if ward_code:
        statement = statement.where(Enterprise.ward_code == ward_code)
    if query:
        like = f"%{query.strip()}%"
        statement = statement.where(
            or_(
                Enterprise.legal_name.ilike(like),
                Enterprise.trading_name.ilike(like),
                Enterprise.tax_code.like(like),
            )
        )
    return paginate(session, statement, page=page, per_page=per_page)
