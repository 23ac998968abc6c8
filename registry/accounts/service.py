"""Users, passwords (argon2) and API keys (stored as SHA-256 of a random secret)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts.actor import Actor
from registry.accounts.models import ApiKey, Role, User
from registry.accounts.passwords import hash_password, needs_rehash, password_matches
from registry.audit.service import record_change
from registry.db import utcnow
from registry.enterprises.models import Enterprise
from registry.errors import Conflict, InvalidInput, Unauthorized

API_KEY_PREFIX = "tx"
MIN_PASSWORD_LENGTH = 10


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.",
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters.",
            field="password",
        )


def actor_for_user(user: User) -> Actor:
    return Actor(
        role=user.role, label=user.email, enterprise_id=user.enterprise_id, user_id=user.id
    )


def create_user(
    session: Session,
    *,
    actor: Actor,
    email: str,
    password: str,
    role: Role,
    enterprise: Enterprise | None = None,
    full_name: str = "",
) -> User:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise InvalidInput("Địa chỉ e-mail không hợp lệ.", "Invalid e-mail address.", field="email")
    if role is Role.enterprise and enterprise is None:
        raise InvalidInput(
            "Tài khoản doanh nghiệp phải gắn với một doanh nghiệp.",
            "An enterprise account must belong to an enterprise.",
            field="enterprise",
        )
    if role is not Role.enterprise and enterprise is not None:
        raise InvalidInput(
            "Chỉ tài khoản doanh nghiệp mới gắn với doanh nghiệp.",
            "Only enterprise accounts belong to an enterprise.",
            field="enterprise",
        )
    check_password_strength(password)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("E-mail này đã được dùng.", "This e-mail is already in use.", field="email")
    user = User(
        email=email,
        full_name=full_name,
        password_hash=hash_password(password),
        role=role,
        enterprise_id=enterprise.id if enterprise else None,
    )
    session.add(user)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="create",
        entity="user",
        entity_id=user.id,
        enterprise_id=user.enterprise_id,
        after={"email": email, "role": role.value},
    )
    return user


def authenticate_password(session: Session, *, email: str, password: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if not password_matches(user.password_hash if user else None, password):
        user = None
    if user is None or not user.is_active:
        raise Unauthorized(
            "E-mail hoặc mật khẩu không đúng.", "Wrong e-mail or password.", field="password"
        )
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def change_password(
    session: Session, *, actor: Actor, user: User, new_password: str, current_password: str | None
) -> None:
    """Users change their own password with the current one; an admin resets without it."""
    if current_password is not None:
        if not password_matches(user.password_hash, current_password):
            raise InvalidInput(
                "Mật khẩu hiện tại không đúng.",
                "The current password is wrong.",
                field="current_password",
            )
    elif not actor.is_admin:
        actor.ensure_admin()
    check_password_strength(new_password)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.session_epoch += 1
    record_change(
        session,
        actor=actor,
        action="change_password",
        entity="user",
        entity_id=user.id,
        enterprise_id=user.enterprise_id,
    )


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    secret: str  # shown once, never stored


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(
    session: Session,
    *,
    actor: Actor,
    role: Role,
    enterprise: Enterprise | None = None,
    name: str = "",
) -> IssuedKey:
    if role is Role.enterprise and enterprise is None:
        raise InvalidInput(
            "Khóa API doanh nghiệp phải gắn với một doanh nghiệp.",
            "An enterprise API key must belong to an enterprise.",
            field="enterprise",
        )
    lookup = secrets.token_hex(6)
    secret = f"{API_KEY_PREFIX}_{lookup}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        name=name,
        lookup=lookup,
        key_hash=_digest(secret),
        role=role,
        enterprise_id=enterprise.id if enterprise else None,
        created_by_id=actor.user_id,
    )
    session.add(key)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="create",
        entity="api_key",
        entity_id=key.id,
        enterprise_id=key.enterprise_id,
        after={"name": name, "role": role.value},
    )
    return IssuedKey(key, secret)


def authenticate_api_key(session: Session, secret: str) -> Actor:
    parts = secret.split("_", 2)
    key = None
    if len(parts) == 3 and parts[0] == API_KEY_PREFIX:
        key = session.scalar(select(ApiKey).where(ApiKey.lookup == parts[1]))
    if (
        key is None
        or key.revoked_at is not None
        or not hmac.compare_digest(key.key_hash, _digest(secret))
    ):
        raise Unauthorized("Khóa API không hợp lệ.", "Invalid API key.")
    return Actor(
        role=key.role,
        label=f"api-key:{key.lookup}:{key.name}",
        enterprise_id=key.enterprise_id,
        api_key_id=key.id,
    )


def revoke_api_key(session: Session, *, actor: Actor, api_key: ApiKey) -> None:
    actor.ensure_sees(api_key.enterprise_id, what=("khóa API", "API key"))
    api_key.revoked_at = utcnow()
    record_change(
        session,
        actor=actor,
        action="revoke",
        entity="api_key",
        entity_id=api_key.id,
        enterprise_id=api_key.enterprise_id,
    )
