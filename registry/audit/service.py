from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.audit.models import AuditEntry
from registry.errors import InvalidInput
from registry.pagination import Page, paginate


def record_change(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object,
    enterprise_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEntry:
    """One audit entry; an officer's reason for changing an enterprise's data rides in `after`."""
    if reason is not None:
        after = {**(after or {}), "reason": reason}
    entry = AuditEntry(
        actor=actor.label,
        user_id=actor.user_id,
        api_key_id=actor.api_key_id,
        enterprise_id=enterprise_id,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=_jsonable(before),
        after=_jsonable(after),
    )
    session.add(entry)
    return entry


def enterprise_trail(
    session: Session, *, enterprise_id: int, page: int = 1, per_page: int = 50
) -> Page[AuditEntry]:
    """What was done to the enterprise's records, newest first."""
    statement = (
        select(AuditEntry)
        .where(AuditEntry.enterprise_id == enterprise_id)
        .order_by(AuditEntry.id.desc())
    )
    return paginate(session, statement, page=page, per_page=per_page)


def snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {key: _plain(value) for key, value in values.items()}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def refuse_unknown_fields(changes: dict[str, Any], allowed: set[str] | list[str]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        field = sorted(unknown)[0]
        raise InvalidInput(
            f"Không thể sửa trường '{field}'.",
            f"The field '{field}' cannot be changed.",
            field=field,
        )


def apply_changes(
    session: Session,
    *,
    actor: Actor,
    record: Any,
    changes: dict[str, Any],
    entity: str,
    enterprise_id: int | None,
) -> None:
    """Set the changed fields and write one audit entry with their before and after."""
    fields = sorted(changes)
    before = snapshot(record, fields)
    for name, value in changes.items():
        setattr(record, name, value)
    record_change(
        session,
        actor=actor,
        action="update",
        entity=entity,
        entity_id=record.id,
        enterprise_id=enterprise_id,
        before=before,
        after=snapshot(record, fields),
    )
