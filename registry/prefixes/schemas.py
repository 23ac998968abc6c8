"""Company prefixes and requests for them, in and out of the API."""

from __future__ import annotations

import datetime as dt

from pydantic import ConfigDict, Field

from registry.prefixes.models import PrefixRequestStatus, PrefixSource
from registry.schemas import Id, In, Out

# A 5 MB image (the upload limit) is at most this long in base64.
MAX_SCAN_BASE64 = 7_000_000


class PrefixIn(In):
    prefix: str = Field(max_length=12)
    enterprise_id: Id | None = None


class GrantedPrefixIn(PrefixIn):
    reason: str = Field(
        default="", max_length=2000, description="Why it is granted (agency staff must say)"
    )


class PrefixRequestIn(In):
    """`own`: the prefix GS1 Vietnam licensed to the enterprise, with the certificate's
    number, dates and a scan (JPEG, PNG or WebP, base64, 5 MB at most).
    `pool`: any prefix from the agency's pool; nothing else is needed."""

    model_config = ConfigDict(extra="forbid")
    source: PrefixSource
    enterprise_id: Id | None = None
    prefix: str | None = Field(default=None, max_length=12)
    licence_number: str | None = Field(default=None, max_length=64)
    licence_valid_from: dt.date | None = None
    licence_valid_until: dt.date | None = None
    certificate_scan: str | None = Field(default=None, max_length=MAX_SCAN_BASE64)


class PrefixRequestOut(Out):
    id: int
    enterprise_id: int
    source: PrefixSource
    prefix: str | None
    licence_number: str | None
    licence_valid_from: dt.date | None
    licence_valid_until: dt.date | None
    has_certificate_scan: bool
    status: PrefixRequestStatus
    decision_reason: str | None
    decided_at: dt.datetime | None
    company_prefix_id: int | None
    created_at: dt.datetime


class PrefixAssignIn(In):
    enterprise_id: Id
    prefix_length: int | None = Field(default=None, ge=7, le=10)
    reason: str = Field(
        default="", max_length=2000, description="Why it is granted (agency staff must say)"
    )


class PrefixOut(Out):
    id: int
    prefix: str
    source: PrefixSource
    enterprise_id: int | None
    capacity: int
    next_item_reference: int
    assigned_at: dt.datetime | None
