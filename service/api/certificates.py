from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from registry.certificates import service as certificates
from registry.certificates.models import CertificateKind
from registry.certificates.schemas import CertificateIn, CertificateOut
from registry.locations.service import get_location
from registry.products.service import get_product
from registry.schemas import PageOut
from service.api.common import (
    OptionalId,
    PageNumber,
    PerPage,
    RecordId,
    page_out,
    target_enterprise,
)
from service.deps import CurrentActor, SessionDep

router = APIRouter(prefix="/certificates", tags=["certificates"])


@router.get("", response_model=PageOut[CertificateOut])
def list_certificates(
    session: SessionDep,
    actor: CurrentActor,
    enterprise_id: OptionalId = None,
    product_id: OptionalId = None,
    kind: CertificateKind | None = None,
    expiring_before: dt.date | None = None,
    page: PageNumber = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    result = certificates.list_certificates(
        session,
        actor=actor,
        enterprise_id=enterprise_id,
        product_id=product_id,
        kind=kind,
        expiring_before=expiring_before,
        page=page,
        per_page=per_page,
    )
    return page_out(result, CertificateOut)


@router.post("", response_model=CertificateOut, status_code=201)
def create_certificate(body: CertificateIn, session: SessionDep, actor: CurrentActor) -> Any:
    enterprise = target_enterprise(session, actor, body.enterprise_id)
    product = (
        get_product(session, actor=actor, product_id=body.product_id) if body.product_id else None
    )
    location = (
        get_location(session, actor=actor, location_id=body.location_id)
        if body.location_id
        else None
    )
    return certificates.create_certificate(
        session,
        actor=actor,
        enterprise=enterprise,
        kind=body.kind,
        number=body.number,
        issuer=body.issuer,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        stars=body.stars,
        title=body.title,
        product=product,
        location=location,
    )


@router.get("/{certificate_id}", response_model=CertificateOut)
def get_certificate(certificate_id: RecordId, session: SessionDep, actor: CurrentActor) -> Any:
    return certificates.get_certificate(session, actor=actor, certificate_id=certificate_id)


@router.delete("/{certificate_id}", status_code=204)
def delete_certificate(
    certificate_id: RecordId,
    session: SessionDep,
    actor: CurrentActor,
    reason: Annotated[
        str | None,
        Query(max_length=2000, description="Why: required from agency staff; kept in the audit"),
    ] = None,
) -> Response:
    certificate = certificates.get_certificate(session, actor=actor, certificate_id=certificate_id)
    certificates.delete_certificate(session, actor=actor, certificate=certificate, reason=reason)
    return Response(status_code=204)
