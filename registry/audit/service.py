from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from registry.accounts.actor import Actor
from registry.audit.models import AuditEntry


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
) -> AuditEntry:
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
