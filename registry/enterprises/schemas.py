"""Enterprises in and out of the API: registering, the profile, the identity an officer reviews."""

from __future__ import annotations

import datetime as dt

from pydantic import ConfigDict, Field

from registry.enterprises.models import EnterpriseKind, EnterpriseStatus, IdentityChangeStatus
from registry.schemas import In, Out, kept


class EnterpriseIn(In):
    tax_code: str = Field(
        max_length=32, description="Mã số thuế (10 or 13 digits) or 12-digit personal ID"
    )
    legal_name: str = Field(min_length=1, max_length=300)
    kind: EnterpriseKind
    trading_name: str | None = Field(default=None, max_length=300)
    address: str = Field(default="", max_length=500)
    ward_code: str | None = Field(default=None, max_length=16)
    sector: str | None = Field(default=None, max_length=120)
    contact_name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    website: str | None = Field(default=None, max_length=500)
    china_registration_number: str | None = Field(
        default=None,
        max_length=64,
        description="GACC registration number of a food exporter (Decree 280), as issued",
    )


class EnterpriseSignUp(EnterpriseIn):
    account_email: str = Field(max_length=254)
    account_password: str = Field(min_length=1, max_length=200)
    account_name: str = Field(default="", max_length=200)


class EnterprisePatch(In):
    """Contact details change at once; for a verified enterprise the legal name, tax code
    and kind wait for an officer's approval (answered 202)."""

    model_config = ConfigDict(extra="forbid")
    legal_name: str = kept(max_length=300)
    tax_code: str = kept(max_length=20)
    trading_name: str | None = Field(default=None, max_length=300)
    kind: EnterpriseKind = kept()
    address: str = kept(max_length=500)
    ward_code: str | None = Field(default=None, max_length=16)
    sector: str | None = Field(default=None, max_length=120)
    contact_name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    website: str | None = Field(default=None, max_length=500)
    china_registration_number: str | None = Field(
        default=None,
        max_length=64,
        description="GACC registration number of a food exporter (Decree 280), as issued",
    )


class EnterpriseOut(Out):
    id: int
    tax_code: str
    tax_code_kind: str
    legal_name: str
    trading_name: str | None
    kind: EnterpriseKind
    address: str
    ward_code: str | None
    sector: str | None
    contact_name: str | None
    phone: str | None
    email: str | None
    website: str | None
    china_registration_number: str | None
    status: EnterpriseStatus
    status_reason: str | None
    verified_at: dt.datetime | None
    created_at: dt.datetime


class IdentityChangeOut(Out):
    """A verified enterprise's new identity, waiting for (or decided by) an officer."""

    id: int
    enterprise_id: int
    legal_name: str | None
    tax_code: str | None
    kind: EnterpriseKind | None
    status: IdentityChangeStatus
    decision_reason: str | None
    decided_at: dt.datetime | None
    created_at: dt.datetime


class EnterpriseDetailOut(EnterpriseOut):
    """The verified identity, and beside it any change to it that waits for an officer."""

    pending_identity_change: IdentityChangeOut | None = None
