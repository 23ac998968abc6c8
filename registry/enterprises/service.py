"""Registering enterprises and the agency's verification of them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from registry.actor import Actor, ensure_officer, not_found
from registry.audit.service import (
    apply_changes,
    record_change,
    refuse_unknown_fields,
    snapshot,
)
from registry.db import utcnow
from registry.enterprises.models import (
    IDENTITY_FIELDS,
    Enterprise,
    EnterpriseKind,
    EnterpriseStatus,
    IdentityChange,
    IdentityChangeStatus,
)
from registry.errors import Conflict, InvalidInput
from registry.pagination import Page, paginate
from registry.places.service import require_current_ward
from registry.vn import TaxCode, VNRuleError, parse_tax_code

WHAT = ("doanh nghiệp", "enterprise")
CHANGE_WHAT = ("thay đổi thông tin định danh", "identity change")
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
    "china_registration_number",
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
    china_registration_number: str | None = None


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


@dataclass(frozen=True)
class ProfileUpdate:
    """What a profile edit did: the enterprise as it now stands, and the identity change
    waiting for an officer, if the edit made or extended one."""

    enterprise: Enterprise
    identity_change: IdentityChange | None


def _checked_tax_code(session: Session, value: object, *, enterprise: Enterprise) -> TaxCode:
    try:
        parsed = parse_tax_code(str(value or ""))
    except VNRuleError as exc:
        raise InvalidInput(exc.message_vi, exc.message_en, field="tax_code") from exc
    taken = session.scalar(
        select(Enterprise.id).where(
            Enterprise.tax_code == parsed.value, Enterprise.id != enterprise.id
        )
    )
    if taken is not None:
        raise Conflict(
            "Mã số thuế này đã được đăng ký.",
            "This tax code is already registered.",
            field="tax_code",
        )
    return parsed


def _identity_changes(
    session: Session, enterprise: Enterprise, changes: dict[str, Any]
) -> dict[str, Any]:
    """The identity fields the edit really changes, checked, tax code kind included."""
    proposed: dict[str, Any] = {}
    for name in IDENTITY_FIELDS:
        if name not in changes:
            continue
        value = changes[name]
        if name == "legal_name":
            value = str(value or "").strip()
            if not value:
                raise InvalidInput(
                    "Cần nhập tên doanh nghiệp.", "The legal name is required.", field=name
                )
        if name == "tax_code":
            parsed = _checked_tax_code(session, value, enterprise=enterprise)
            value = parsed.value
            if value != enterprise.tax_code:
                proposed["tax_code_kind"] = parsed.kind
        if name == "kind":
            value = EnterpriseKind(value)
        if value != getattr(enterprise, name):
            proposed[name] = value
    return proposed


def pending_identity_change(session: Session, *, enterprise_id: int) -> IdentityChange | None:
    return session.scalar(
        select(IdentityChange).where(
            IdentityChange.enterprise_id == enterprise_id,
            IdentityChange.status == IdentityChangeStatus.pending,
        )
    )


def latest_open_identity_change(session: Session, *, enterprise_id: int) -> IdentityChange | None:
    """The latest change of name, tax code or kind, while it waits or once it was refused."""
    latest = session.scalar(
        select(IdentityChange)
        .where(IdentityChange.enterprise_id == enterprise_id)
        .order_by(IdentityChange.id.desc())
        .limit(1)
    )
    if latest is None or latest.status is IdentityChangeStatus.approved:
        return None
    return latest


def _propose_identity_change(
    session: Session, *, actor: Actor, enterprise: Enterprise, proposed: dict[str, Any]
) -> IdentityChange:
    change = pending_identity_change(session, enterprise_id=enterprise.id)
    if change is None:
        change = IdentityChange(enterprise_id=enterprise.id, status=IdentityChangeStatus.pending)
        session.add(change)
    for name, value in proposed.items():
        setattr(change, name, value)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="propose_identity",
        entity="enterprise_identity_change",
        entity_id=change.id,
        enterprise_id=enterprise.id,
        before=snapshot(enterprise, list(proposed)),
        after=proposed,
    )
    return change


def update_enterprise(
    session: Session, *, actor: Actor, enterprise: Enterprise, changes: dict[str, Any]
) -> ProfileUpdate:
    """Contact details change at once. The identity of a verified enterprise (legal name,
    tax code, kind) changes only when an officer approves: until then every page shows
    the identity the agency verified."""
    actor.ensure_sees(enterprise.id, what=WHAT)
    allowed = (set(AUDITED) - {"status", "status_reason"}) | {"tax_code"}
    refuse_unknown_fields(changes, allowed)
    if "ward_code" in changes and changes["ward_code"] is not None:
        require_current_ward(session, changes["ward_code"], field="ward_code")
    identity = _identity_changes(session, enterprise, changes)
    direct = {k: v for k, v in changes.items() if k not in IDENTITY_FIELDS}
    change = None
    reviewed = enterprise.status is EnterpriseStatus.verified and not actor.is_agency
    if identity and reviewed:
        change = _propose_identity_change(
            session, actor=actor, enterprise=enterprise, proposed=identity
        )
    else:
        direct.update(identity)
    if direct:
        apply_changes(
            session,
            actor=actor,
            record=enterprise,
            changes=direct,
            entity="enterprise",
            enterprise_id=enterprise.id,
        )
    return ProfileUpdate(enterprise, change)


def list_identity_changes(
    session: Session,
    *,
    actor: Actor,
    status: IdentityChangeStatus | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[IdentityChange]:
    statement: Select[Any] = select(IdentityChange).order_by(IdentityChange.id)
    if not actor.is_agency:
        statement = statement.where(IdentityChange.enterprise_id == actor.enterprise_id)
    if status is not None:
        statement = statement.where(IdentityChange.status == status)
    return paginate(session, statement, page=page, per_page=per_page)


def legal_names(session: Session, enterprise_ids: Collection[int]) -> dict[int, str]:
    return dict(
        session.execute(
            select(Enterprise.id, Enterprise.legal_name).where(Enterprise.id.in_(enterprise_ids))
        ).all()
    )


def count_enterprises(session: Session, *, status: EnterpriseStatus) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(Enterprise).where(Enterprise.status == status)
        )
        or 0
    )


def count_pending_identity_changes(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(IdentityChange)
            .where(IdentityChange.status == IdentityChangeStatus.pending)
        )
        or 0
    )


def get_identity_change(
    session: Session, *, actor: Actor, change_id: int, for_decision: bool = False
) -> IdentityChange:
    statement = select(IdentityChange).where(IdentityChange.id == change_id)
    if for_decision:
        statement = statement.with_for_update()
    change = session.scalar(statement)
    if change is None:
        raise not_found(CHANGE_WHAT)
    actor.ensure_sees(change.enterprise_id, what=CHANGE_WHAT)
    return change


def _ensure_change_pending(change: IdentityChange) -> None:
    if change.status is not IdentityChangeStatus.pending:
        raise Conflict(
            "Thay đổi này đã được xử lý.", "This change has already been decided.", field="status"
        )


def _decide_change(
    session: Session,
    *,
    actor: Actor,
    change: IdentityChange,
    status: IdentityChangeStatus,
    reason: str | None,
    action: str,
) -> None:
    change.status = status
    change.decision_reason = reason
    change.decided_at = utcnow()
    record_change(
        session,
        actor=actor,
        action=action,
        entity="enterprise_identity_change",
        entity_id=change.id,
        enterprise_id=change.enterprise_id,
        before={"status": IdentityChangeStatus.pending},
        after={"status": status, "reason": reason, **change.proposed()},
    )


def approve_identity_change(
    session: Session, *, actor: Actor, change: IdentityChange, reason: str | None = None
) -> Enterprise:
    ensure_officer(actor)
    _ensure_change_pending(change)
    enterprise = change.enterprise
    updates: dict[str, Any] = change.proposed()
    if change.tax_code:
        updates["tax_code_kind"] = _checked_tax_code(
            session, change.tax_code, enterprise=enterprise
        ).kind
    fields = sorted(updates)
    before = snapshot(enterprise, fields)
    for name, value in updates.items():
        setattr(enterprise, name, value)
    record_change(
        session,
        actor=actor,
        action="update",
        entity="enterprise",
        entity_id=enterprise.id,
        enterprise_id=enterprise.id,
        before=before,
        after=snapshot(enterprise, fields),
    )
    _decide_change(
        session,
        actor=actor,
        change=change,
        status=IdentityChangeStatus.approved,
        reason=(reason or "").strip() or None,
        action="approve_identity",
    )
    return enterprise


def reject_identity_change(
    session: Session, *, actor: Actor, change: IdentityChange, reason: str | None
) -> IdentityChange:
    ensure_officer(actor)
    _ensure_change_pending(change)
    _decide_change(
        session,
        actor=actor,
        change=change,
        status=IdentityChangeStatus.rejected,
        reason=_require_reason(reason),
        action="reject_identity",
    )
    return change


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
