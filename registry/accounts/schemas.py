"""Users, sign-in and API keys, in and out of the API."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from registry.accounts.models import API_KEY_NAME_LENGTH, KeyScope, Role
from registry.schemas import Id, In, Out


class LoginIn(In):
    email: str = Field(max_length=254)
    password: str = Field(max_length=200)


class UserIn(In):
    email: str = Field(max_length=254)
    password: str = Field(max_length=200)
    role: Role
    enterprise_id: Id | None = None
    full_name: str = Field(default="", max_length=200)


class UserOut(Out):
    id: int
    email: str
    full_name: str
    role: Role
    enterprise_id: int | None
    is_active: bool
    is_owner: bool


class ApiKeyIn(In):
    name: str = Field(default="", max_length=API_KEY_NAME_LENGTH)
    role: Role = Role.enterprise
    enterprise_id: Id | None = None
    scope: KeyScope | None = Field(
        default=None,
        description="Agency keys only: 'read' (the default) or 'write'."
        " Enterprise and admin keys always write.",
    )


class ApiKeyOut(Out):
    id: int
    name: str
    lookup: str
    role: Role
    scope: KeyScope
    enterprise_id: int | None
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class IssuedApiKeyOut(ApiKeyOut):
    secret: str = Field(description="Shown once; store it now")
