"""Users, passwords (argon2) and API keys (stored as SHA-256 of a random secret)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from registry.accounts.models import API_KEY_NAME_LENGTH, ApiKey, KeyScope, Role, User
from registry.accounts.passwords import hash_password, needs_rehash, password_matches
from registry.actor import Actor, not_found, officer_reason
from registry.audit.service import record_change
from registry.db import utcnow
from registry.enterprises.models import Enterprise
from registry.enterprises.policy import Deed, ensure_allows
from registry.errors import Conflict, Forbidden, InvalidInput, Unauthorized
from registry.pagination import Page, paginate

API_KEY_PREFIX = "tx"
MIN_PASSWORD_LENGTH = 10
ACCOUNT = ("tài khoản", "account")
API_KEY = ("khóa API", "API key")


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
    """The first account of an enterprise (the one that signs it up) is its owner."""
    actor.ensure_person()
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
        is_owner=enterprise is not None
        and session.scalar(select(User.id).where(User.enterprise_id == enterprise.id).limit(1))
        is None,
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
    if user.enterprise is not None:
        ensure_allows(user.enterprise, Deed.sign_in)
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
    scope: KeyScope | None = None,
) -> IssuedKey:
    """Enterprise and admin keys write; an agency key reads unless given the write scope."""
    actor.ensure_person()
    if scope is None or role is not Role.agency:
        scope = KeyScope.read if role is Role.agency else KeyScope.write
    if role is Role.enterprise and enterprise is None:
        raise InvalidInput(
            "Khóa API doanh nghiệp phải gắn với một doanh nghiệp.",
            "An enterprise API key must belong to an enterprise.",
            field="enterprise",
        )
    if len(name) > API_KEY_NAME_LENGTH:
        raise InvalidInput(
            f"Tên gợi nhớ của khóa dài tối đa {API_KEY_NAME_LENGTH} ký tự"
            f" (đang có {len(name)}). Hãy rút gọn lại.",
            f"The key's name is at most {API_KEY_NAME_LENGTH} characters long"
            f" (got {len(name)}). Shorten it.",
            field="name",
        )
    lookup = secrets.token_hex(6)
    secret = f"{API_KEY_PREFIX}_{lookup}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        name=name,
        lookup=lookup,
        key_hash=_digest(secret),
        role=role,
        scope=scope,
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
        after={"name": name, "role": role.value, "scope": scope.value},
    )
    return IssuedKey(key, secret)


def visible_api_keys(actor: Actor) -> Select[ApiKey]:
    """The keys an actor may list: their enterprise's, or those they made; only
    administrators see administrator keys."""
    statement = select(ApiKey).order_by(ApiKey.id)
    if actor.is_admin:
        return statement
    statement = statement.where(ApiKey.role != Role.admin)
    if actor.enterprise_id is not None:
        return statement.where(ApiKey.enterprise_id == actor.enterprise_id)
    if actor.user_id is not None:
        return statement.where(ApiKey.created_by_id == actor.user_id)
    return statement.where(ApiKey.id == actor.api_key_id)


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
        may_write=key.scope is KeyScope.write,
    )


def revoke_api_key(session: Session, *, actor: Actor, api_key: ApiKey) -> None:
    actor.ensure_sees(api_key.enterprise_id, what=API_KEY)
    api_key.revoked_at = utcnow()
    record_change(
        session,
        actor=actor,
        action="revoke",
        entity="api_key",
        entity_id=api_key.id,
        enterprise_id=api_key.enterprise_id,
    )


def get_user(session: Session, *, actor: Actor, user_id: int) -> User:
    """An account the actor may see: any for the agency, its own team's for an enterprise."""
    if (user := session.get(User, user_id)) is None:
        raise not_found(ACCOUNT)
    actor.ensure_sees(user.enterprise_id, what=ACCOUNT)
    return user


def team_members(session: Session, *, enterprise_id: int) -> list[User]:
    return list(
        session.scalars(select(User).where(User.enterprise_id == enterprise_id).order_by(User.id))
    )


def find_users(
    session: Session, *, actor: Actor, text: str = "", page: int = 1, per_page: int = 50
) -> Page[User]:
    """Every account, or those whose email or enterprise name contains `text`."""
    actor.ensure_agency()
    statement = select(User).outerjoin(Enterprise).order_by(User.id)
    if text:
        pattern = f"%{text.lower()}%"
        statement = statement.where(
            or_(User.email.like(pattern), Enterprise.legal_name.ilike(pattern))
        )
    return paginate(session, statement, page=page, per_page=per_page)


def get_api_key(session: Session, *, actor: Actor, key_id: int) -> ApiKey:
    if (key := session.get(ApiKey, key_id)) is None:
        raise not_found(API_KEY)
    actor.ensure_sees(key.enterprise_id, what=API_KEY)
    return key


def api_keys_seen_by(session: Session, *, actor: Actor) -> list[ApiKey]:
    return list(session.scalars(visible_api_keys(actor)))


def may_manage_user(session: Session, *, actor: Actor, user: User) -> bool:
    """Officers manage every account but administrators' (those are for administrators);
    an enterprise's owner, signed in, manages the other members of its team. Nobody
    locks themselves out."""
    if actor.user_id is not None and actor.user_id == user.id:
        return False
    if actor.is_agency:
        return actor.is_admin or user.role is not Role.admin
    if actor.user_id is None or actor.enterprise_id is None:
        return False
    acting = session.get(User, actor.user_id)
    return bool(acting and acting.is_owner and user.enterprise_id == actor.enterprise_id)


def set_user_active(
    session: Session, *, actor: Actor, user: User, active: bool, reason: str | None = None
) -> User:
    """Deactivating ends the user's sessions and revokes the API keys they made, at once;
    reactivating lets them sign in again (their keys stay revoked)."""
    if not may_manage_user(session, actor=actor, user=user):
        if actor.can_see(user.enterprise_id):
            raise Forbidden(
                "Chỉ chủ tài khoản doanh nghiệp hoặc cán bộ Chi cục mới khoá được thành viên,"
                " và không ai tự khoá chính mình.",
                "Only the enterprise's owner or agency staff may deactivate a member,"
                " and nobody deactivates themselves.",
            )
        raise not_found(ACCOUNT)
    text = officer_reason(actor, enterprise_id=user.enterprise_id, reason=reason)
    if user.is_active == active:
        return user
    user.is_active = active
    revoked: list[int] = []
    if not active:
        user.session_epoch += 1
        revoked = list(
            session.scalars(
                update(ApiKey)
                .where(ApiKey.created_by_id == user.id, ApiKey.revoked_at.is_(None))
                .values(revoked_at=utcnow())
                .returning(ApiKey.id)
            )
        )
    record_change(
        session,
        actor=actor,
        action="activate" if active else "deactivate",
        entity="user",
        entity_id=user.id,
        enterprise_id=user.enterprise_id,
        before={"is_active": not active},
        after={"is_active": active, **({"revoked_api_keys": revoked} if revoked else {})},
        reason=text,
    )
    return user
