"""The portal's home: where the enterprise stands, its company prefix, what to do next."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from registry.audit.models import AuditEntry
from registry.audit.service import record_change
from registry.errors import TruyxuatError
from registry.locations.models import Location
from registry.lots.models import Lot
from registry.prefixes.models import CompanyPrefix
from registry.prefixes.service import record_own_prefix
from registry.products.models import Product
from service.deps import SessionDep
from service.i18n import request_language
from service.pages.portal.common import (
    FormDep,
    Portal,
    PortalDep,
    field_errors,
    flash,
    page,
    see_other,
)

router = APIRouter()
# Until the agency has a request queue of its own, a request for a pool prefix is an
# audit entry the agency's pages can list; it is answered by assign_pool_prefix.
PREFIX_REQUEST_ACTION = "request_pool_prefix"


def _prefixes(session: Session, enterprise_id: int) -> list[CompanyPrefix]:
    return list(
        session.scalars(
            select(CompanyPrefix)
            .where(CompanyPrefix.enterprise_id == enterprise_id)
            .order_by(CompanyPrefix.id)
        )
    )


def prefix_requested(session: Session, enterprise_id: int) -> bool:
    return (
        session.scalar(
            select(AuditEntry.id)
            .where(
                AuditEntry.enterprise_id == enterprise_id,
                AuditEntry.action == PREFIX_REQUEST_ACTION,
            )
            .limit(1)
        )
        is not None
    )


def _counts(session: Session, enterprise_id: int) -> dict[str, int]:
    products = session.scalar(
        select(func.count()).select_from(Product).where(Product.enterprise_id == enterprise_id)
    )
    locations = session.scalar(
        select(func.count()).select_from(Location).where(Location.enterprise_id == enterprise_id)
    )
    lots = session.scalar(
        select(func.count())
        .select_from(Lot)
        .join(Product, Lot.product_id == Product.id)
        .where(Product.enterprise_id == enterprise_id)
    )
    return {"products": products or 0, "locations": locations or 0, "lots": lots or 0}


def _dashboard(
    request: Request,
    session: Session,
    portal: Portal,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    prefixes = _prefixes(session, portal.enterprise.id)
    return page(
        request,
        "portal/dashboard.html",
        {
            "prefixes": prefixes,
            "prefix_requested": not prefixes and prefix_requested(session, portal.enterprise.id),
            "counts": _counts(session, portal.enterprise.id),
            "errors": errors or {},
            "values": values or {},
        },
        portal=portal,
        status_code=status_code,
    )


@router.get("/portal")
def dashboard(request: Request, session: SessionDep, portal: PortalDep) -> Response:
    return _dashboard(request, session, portal)


@router.post("/portal/prefix")
def record_prefix(
    request: Request, session: SessionDep, portal: PortalDep, form: FormDep
) -> Response:
    prefix = str(form.get("prefix") or "").strip()
    try:
        record_own_prefix(session, actor=portal.actor, enterprise=portal.enterprise, prefix=prefix)
    except TruyxuatError as exc:
        session.rollback()
        errors = field_errors(exc, request_language(request))
        return _dashboard(
            request, session, portal, errors=errors, values={"prefix": prefix}, status_code=400
        )
    flash(request, f"Đã ghi nhận tiền tố {prefix}.", f"Prefix {prefix} recorded.")
    return see_other("/portal")


@router.post("/portal/prefix/request")
def request_prefix(request: Request, session: SessionDep, portal: PortalDep) -> Response:
    enterprise = portal.enterprise
    if not _prefixes(session, enterprise.id) and not prefix_requested(session, enterprise.id):
        record_change(
            session,
            actor=portal.actor,
            action=PREFIX_REQUEST_ACTION,
            entity="enterprise",
            entity_id=enterprise.id,
            enterprise_id=enterprise.id,
        )
    flash(
        request,
        "Đã gửi yêu cầu cấp tiền tố. Chi cục sẽ cấp tiền tố cho doanh nghiệp.",
        "Request sent. The agency will assign a prefix to your enterprise.",
    )
    return see_other("/portal")
