"""Certificates in and out of the API."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from registry.certificates.models import CertificateKind
from registry.schemas import Id, In, Out


class CertificateIn(In):
    enterprise_id: Id | None = None
    kind: CertificateKind
    number: str = Field(min_length=1, max_length=120)
    issuer: str = Field(min_length=1, max_length=300)
    title: str | None = Field(default=None, max_length=300)
    stars: int | None = Field(default=None, ge=0, le=5)
    valid_from: dt.date
    valid_until: dt.date | None = None
    product_id: Id | None = None
    location_id: Id | None = None


class CertificateOut(Out):
    id: int
    enterprise_id: int
    kind: CertificateKind
    number: str
    issuer: str
    title: str | None
    stars: int | None
    valid_from: dt.date
    valid_until: dt.date | None
    product_id: int | None
    location_id: int | None
