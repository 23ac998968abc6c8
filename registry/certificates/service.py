"""Certificates (VietGAP, OCOP, geographical indication, HACCP …) and their validity."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from registry.actor import Actor, not_found, officer_reason
from registry.audit.service import record_change, snapshot
from registry.certificates.models import Certificate, CertificateKind
from registry.enterprises.models import Enterprise
from registry.errors import InvalidInput
from registry.locations.models import Location
from registry.pagination import Page, paginate
from registry.products.models import Product

WHAT = ("chứng nhận", "certificate")
OCOP_STARS = range(3, 6)  # OCOP ranks products 3 to 5 stars (Decision 148/QĐ-TTg).
FIELDS = [
    "kind",
    "title",
    "number",
    "issuer",
    "stars",
    "valid_from",
    "valid_until",
    "product_id",
    "location_id",
]


def create_certificate(
    session: Session,
    *,
    actor: Actor,
    enterprise: Enterprise,
    kind: CertificateKind,
    number: str,
    issuer: str,
    valid_from: dt.date,
    valid_until: dt.date | None = None,
    stars: int | None = None,
    title: str | None = None,
    product: Product | None = None,
    location: Location | None = None,
) -> Certificate:
    actor.ensure_sees(enterprise.id, what=("doanh nghiệp", "enterprise"))
    for subject, what in ((product, ("sản phẩm", "product")), (location, ("địa điểm", "location"))):
        if subject is not None and subject.enterprise_id != enterprise.id:
            raise not_found(what)
    if not number.strip():
        raise InvalidInput(
            "Cần nhập số chứng nhận.", "The certificate number is required.", field="number"
        )
    if not issuer.strip():
        raise InvalidInput("Cần nhập cơ quan cấp.", "The issuer is required.", field="issuer")
    if valid_until is not None and valid_until < valid_from:
        raise InvalidInput(
            "Ngày hết hạn phải sau ngày cấp.",
            "The expiry date must come after the issue date.",
            field="valid_until",
        )
    if kind is CertificateKind.ocop:
        if stars not in OCOP_STARS:
            raise InvalidInput(
                "Chứng nhận OCOP phải có từ 3 đến 5 sao.",
                "An OCOP certificate has 3 to 5 stars.",
                field="stars",
            )
    elif stars is not None:
        raise InvalidInput(
            "Chỉ chứng nhận OCOP mới có số sao.",
            "Only OCOP certificates have stars.",
            field="stars",
        )
    certificate = Certificate(
        enterprise_id=enterprise.id,
        kind=kind,
        number=number.strip(),
        issuer=issuer.strip(),
        valid_from=valid_from,
        valid_until=valid_until,
        stars=stars,
        title=title,
        product_id=product.id if product else None,
        location_id=location.id if location else None,
    )
    session.add(certificate)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="create",
        entity="certificate",
        entity_id=certificate.id,
        enterprise_id=enterprise.id,
        after=snapshot(certificate, FIELDS),
    )
    return certificate


def get_certificate(session: Session, *, actor: Actor, certificate_id: int) -> Certificate:
    certificate = session.get(Certificate, certificate_id)
    if certificate is None:
        raise not_found(WHAT)
    actor.ensure_sees(certificate.enterprise_id, what=WHAT)
    return certificate


def delete_certificate(
    session: Session, *, actor: Actor, certificate: Certificate, reason: str | None = None
) -> None:
    actor.ensure_sees(certificate.enterprise_id, what=WHAT)
    why = officer_reason(actor, enterprise_id=certificate.enterprise_id, reason=reason)
    record_change(
        session,
        actor=actor,
        action="delete",
        entity="certificate",
        entity_id=certificate.id,
        enterprise_id=certificate.enterprise_id,
        before=snapshot(certificate, FIELDS),
        reason=why,
    )
    session.delete(certificate)


def certificates_for_product(
    session: Session, *, product: Product, on: dt.date | None = None
) -> list[Certificate]:
    """Certificates that cover a product: its own, and its enterprise's general ones."""
    statement = (
        select(Certificate)
        .where(
            Certificate.enterprise_id == product.enterprise_id,
            (Certificate.product_id == product.id) | Certificate.product_id.is_(None),
        )
        .order_by(Certificate.kind, Certificate.valid_from)
    )
    certificates = list(session.scalars(statement))
    if on is not None:
        certificates = [c for c in certificates if c.is_valid_on(on)]
    return certificates


def list_certificates(
    session: Session,
    *,
    actor: Actor,
    enterprise_id: int | None = None,
    product_id: int | None = None,
    kind: CertificateKind | None = None,
    expiring_before: dt.date | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[Certificate]:
    statement: Select[Any] = select(Certificate).order_by(Certificate.id)
    if not actor.is_agency:
        statement = statement.where(Certificate.enterprise_id == actor.enterprise_id)
    if enterprise_id is not None:
        statement = statement.where(Certificate.enterprise_id == enterprise_id)
    if product_id is not None:
        statement = statement.where(Certificate.product_id == product_id)
    if kind:
        statement = statement.where(Certificate.kind == kind)
    if expiring_before:
        statement = statement.where(Certificate.valid_until <= expiring_before)
    return paginate(session, statement, page=page, per_page=per_page)
