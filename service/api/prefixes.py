from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from sqlalchemy import select

from registry.errors import Forbidden, InvalidInput, NotFound, TruyxuatError
from registry.pagination import paginate
from registry.prefixes import service as prefixes
from registry.prefixes.models import CompanyPrefix, PrefixRequestStatus, PrefixSource
from registry.prefixes.schemas import (
    GrantedPrefixIn,
    PrefixAssignIn,
    PrefixIn,
    PrefixOut,
    PrefixRequestIn,
    PrefixRequestOut,
)
from registry.schemas import PageOut, ReasonIn
from service.api.common import (
    OptionalId,
    PageNumber,
    PerPage,
    RecordId,
    page_out,
    target_enterprise,
)
from service.deps import AgencyActor, CurrentActor, SessionDep
from service.pages.portal.images import (
    LICENCE_SCAN_DIR,
    clean_image,
    media_root,
    store_image,
    stored_image,
)

router = APIRouter(prefix="/prefixes", tags=["prefixes"])
requests_router = APIRouter(prefix="/prefix-requests", tags=["prefixes"])


@router.get("", response_model=PageOut[PrefixOut])
def list_prefixes(
    session: SessionDep,
    actor: CurrentActor,
    enterprise_id: OptionalId = None,
    source: PrefixSource | None = None,
    unassigned: bool = False,
    page: PageNumber = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    """Granted prefixes (and, for the agency, the pool). Requests are at /prefix-requests."""
    statement = select(CompanyPrefix).order_by(CompanyPrefix.prefix)
    if not actor.is_agency:
        statement = statement.where(CompanyPrefix.enterprise_id == actor.enterprise_id)
    if enterprise_id is not None:
        statement = statement.where(CompanyPrefix.enterprise_id == enterprise_id)
    if source is not None:
        statement = statement.where(CompanyPrefix.source == source)
    if unassigned:
        statement = statement.where(CompanyPrefix.enterprise_id.is_(None))
    return page_out(paginate(session, statement, page=page, per_page=per_page), PrefixOut)


@router.post("", response_model=PrefixOut, status_code=201)
def record_granted_prefix(body: GrantedPrefixIn, session: SessionDep, actor: CurrentActor) -> Any:
    """Agency: record a licensed prefix the officer has checked; it is granted at once.
    Enterprises request prefixes at POST /prefix-requests instead."""
    if not actor.is_agency:
        raise Forbidden(
            "Tiền tố do Chi cục cấp, doanh nghiệp không tự ghi nhận được. Hãy gửi yêu cầu "
            "cấp tiền tố (POST /api/v1/prefix-requests) kèm giấy chứng nhận của GS1 Việt Nam.",
            "Prefixes are granted by the agency, never recorded by an enterprise. Send a "
            "prefix request (POST /api/v1/prefix-requests) with the GS1 Vietnam certificate.",
        )
    enterprise = target_enterprise(session, actor, body.enterprise_id)
    return prefixes.record_granted_prefix(
        session, actor=actor, enterprise=enterprise, prefix=body.prefix, reason=body.reason
    )


@router.post("/pool", response_model=PrefixOut, status_code=201)
def add_pool_prefix(body: PrefixIn, session: SessionDep, actor: CurrentActor) -> Any:
    """Admin: add a prefix the agency holds to the pool it assigns from."""
    return prefixes.add_pool_prefix(session, actor=actor, prefix=body.prefix)


@router.post("/assign", response_model=PrefixOut, status_code=201)
def assign_pool_prefix(body: PrefixAssignIn, session: SessionDep, actor: AgencyActor) -> Any:
    """Agency: assign the next free pool prefix to an enterprise."""
    enterprise = target_enterprise(session, actor, body.enterprise_id)
    return prefixes.assign_pool_prefix(
        session,
        actor=actor,
        enterprise=enterprise,
        prefix_length=body.prefix_length,
        reason=body.reason,
    )


@router.get("/{prefix_id}", response_model=PrefixOut)
def get_prefix(prefix_id: RecordId, session: SessionDep, actor: CurrentActor) -> Any:
    return prefixes.get_prefix(session, actor=actor, prefix_id=prefix_id)


def _scan_bytes(text: str | None) -> bytes | None:
    if not text:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(
            "Ảnh giấy chứng nhận phải được mã hóa base64.",
            "The certificate scan must be base64-encoded.",
            field="certificate_scan",
        ) from exc


@requests_router.get("", response_model=PageOut[PrefixRequestOut])
def list_prefix_requests(
    session: SessionDep,
    actor: CurrentActor,
    status: PrefixRequestStatus | None = None,
    page: PageNumber = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    """The enterprise's own requests; for the agency, every enterprise's (its queue)."""
    listing = prefixes.list_prefix_requests(
        session, actor=actor, status=status, page=page, per_page=per_page
    )
    return page_out(listing, PrefixRequestOut)


@requests_router.post("", response_model=PrefixRequestOut, status_code=201)
def request_prefix(
    body: PrefixRequestIn, request: Request, session: SessionDep, actor: CurrentActor
) -> Any:
    """Ask the agency for a prefix. Nothing is issued under it until an officer grants it."""
    enterprise = target_enterprise(session, actor, body.enterprise_id)
    if body.source is PrefixSource.pool:
        return prefixes.request_pool_prefix(session, actor=actor, enterprise=enterprise)
    scan = _scan_bytes(body.certificate_scan)
    path = None
    if scan is not None:
        path = store_image(
            media_root(request),
            clean_image(scan, field="certificate_scan"),
            folder=LICENCE_SCAN_DIR,
        )
    evidence = prefixes.LicenceEvidence(
        licence_number=body.licence_number or "",
        valid_from=body.licence_valid_from,
        valid_until=body.licence_valid_until,
        certificate_path=path,
    )
    try:
        return prefixes.request_own_prefix(
            session, actor=actor, enterprise=enterprise, prefix=body.prefix or "", evidence=evidence
        )
    except TruyxuatError:
        discard_scan(request, path)
        raise


def discard_scan(request: Request, path: str | None) -> None:
    """A refused request keeps no evidence file."""
    if path is not None and (stored := stored_image(media_root(request), path)) is not None:
        stored.unlink(missing_ok=True)


@requests_router.get("/{request_id}", response_model=PrefixRequestOut)
def get_prefix_request(request_id: RecordId, session: SessionDep, actor: CurrentActor) -> Any:
    return prefixes.get_prefix_request(session, actor=actor, request_id=request_id)


@requests_router.get(
    "/{request_id}/certificate-scan",
    response_class=FileResponse,
    responses={200: {"content": {"image/jpeg": {}}, "description": "The certificate scan"}},
)
def certificate_scan(
    request_id: RecordId, request: Request, session: SessionDep, actor: CurrentActor
) -> FileResponse:
    """The scan of the GS1 Vietnam certificate: for the enterprise and the agency only."""
    found = prefixes.get_prefix_request(session, actor=actor, request_id=request_id)
    path = stored_image(media_root(request), found.certificate_path or "")
    if path is None:
        raise NotFound("Yêu cầu này không có ảnh giấy chứng nhận.", "This request has no scan.")
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private"})


@requests_router.post("/{request_id}/grant", response_model=PrefixOut)
def grant(request_id: RecordId, body: ReasonIn, session: SessionDep, actor: AgencyActor) -> Any:
    """Agency: grant the request; GTINs and GLNs may now be issued under the prefix."""
    found = prefixes.get_prefix_request(
        session, actor=actor, request_id=request_id, for_decision=True
    )
    return prefixes.grant_prefix_request(session, actor=actor, request=found, reason=body.reason)


@requests_router.post("/{request_id}/reject", response_model=PrefixRequestOut)
def reject(request_id: RecordId, body: ReasonIn, session: SessionDep, actor: AgencyActor) -> Any:
    """Agency: refuse the request with a reason the enterprise sees."""
    found = prefixes.get_prefix_request(
        session, actor=actor, request_id=request_id, for_decision=True
    )
    return prefixes.reject_prefix_request(session, actor=actor, request=found, reason=body.reason)
