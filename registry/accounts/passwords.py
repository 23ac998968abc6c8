"""Password hashing: argon2id, at a cost chosen by TRUYXUAT_PASSWORD_HASH."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from registry.settings import get_settings

# Still argon2id, so stored hashes keep their form; a server at the production cost
# re-hashes such a password at the next sign-in (check_needs_rehash).
_FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@cache
def _hasher() -> PasswordHasher:
    return _FAST if get_settings().password_hash == "fast" else PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so both paths cost the same."""
    return _hasher().hash("not-a-real-password-for-timing")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def password_matches(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher().verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)
