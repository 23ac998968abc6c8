"""The portal's home: where the enterprise stands, its company prefixes and requests for
them, what to do next."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from registry.enterprises.service import latest_open_identity_change
from registry.errors import TruyxuatError
from registry.events.steps import has_recorded_steps
from registry.locations.service import count_locations
from registry.lots.service import count_lots
from registry.prefixes.service import (
    LicenceEvidence,
    latest_refusals,
    pending_requests_of,
    prefixes_of,
    request_own_prefix,
    request_pool_prefix,
)
from registry.print_runs.service import has_printed_labels
from registry.products.service import count_products
from service.deps import SessionDep
from service.i18n import request_language
from service.pages.portal.common import (
    FormDep,
    Portal,
    PortalDep,
    field_errors,
    flash,
    form_values,
    page,
    parse_date,
    refuse_control_characters,
    see_other,
)
from service.pages.portal.images import (
    LICENCE_SCAN_DIR,
    media_root,
    store_image,
    stored_image,
    uploaded_image,
)
from service.pages.portal.signup import KINDS

router = APIRouter()
LICENCE_FIELDS = ["prefix", "licence_number", "licence_valid_from", "licence_valid_until"]
# Decided requests shown on the home page, newest first: the enterprise sees each answer.
SHOWN_DECISIONS = 5


def _counts(session: Session, enterprise_id: int) -> dict[str, int]:
    return {
        "products": count_products(session, enterprise_id=enterprise_id),
        "locations": count_locations(session, enterprise_id=enterprise_id),
        "lots": count_lots(session, enterprise_id=enterprise_id),
    }


@dataclass(frozen=True)
class NextStep:
    text: str
    href: str
    done: bool


def _next_steps(
    session: Session, enterprise_id: int, counts: dict[str, int], *, has_prefix: bool
) -> list[NextStep]:
    """The way from sign-up to a printed label, each step ticked once it has been done."""
    return [
        NextStep("Được Chi cục cấp tiền tố mã doanh nghiệp", "#prefix-title", has_prefix),
        NextStep(
            "Thêm vườn, cơ sở đóng gói, cửa hàng", "/portal/locations/new", counts["locations"] > 0
        ),
        NextStep("Thêm sản phẩm", "/portal/products/new", counts["products"] > 0),
        NextStep("Tạo lô hàng", "/portal/lots/new", counts["lots"] > 0),
        NextStep(
            "Ghi nhận thu hoạch, xuất hàng cho lô",
            "/portal/lots",
            has_recorded_steps(session, enterprise_id=enterprise_id),
        ),
        NextStep(
            "In tem truy xuất",
            "/portal/labels",
            has_printed_labels(session, enterprise_id=enterprise_id),
        ),
    ]


def _dashboard(
    request: Request,
    session: Session,
    portal: Portal,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    enterprise_id = portal.enterprise.id
    pending = pending_requests_of(session, enterprise_ids=[enterprise_id]).get(enterprise_id, [])
    prefixes = prefixes_of(session, enterprise_id=enterprise_id)
    counts = _counts(session, enterprise_id)
    return page(
        request,
        "portal/dashboard.html",
        {
            "prefixes": prefixes,
            "pending_requests": pending,
            "rejected_requests": latest_refusals(
                session, enterprise_id=enterprise_id, limit=SHOWN_DECISIONS
            ),
            "pool_requested": any(r.prefix is None for r in pending),
            "identity_change": latest_open_identity_change(session, enterprise_id=enterprise_id),
            "kind_labels": dict(KINDS),
            "counts": counts,
            "next_steps": _next_steps(session, enterprise_id, counts, has_prefix=bool(prefixes)),
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
def request_licensed_prefix(
    request: Request, session: SessionDep, portal: PortalDep, form: FormDep
) -> Response:
    """The enterprise's own GS1 Vietnam licence, with the certificate: an officer grants it."""
    values = form_values(form, LICENCE_FIELDS)
    path = None
    try:
        refuse_control_characters(form)
        valid_from = parse_date(values["licence_valid_from"], "licence_valid_from")
        valid_until = parse_date(values["licence_valid_until"], "licence_valid_until")
        scan = uploaded_image(form, "certificate")
        if scan is not None:
            path = store_image(media_root(request), scan, folder=LICENCE_SCAN_DIR)
        evidence = LicenceEvidence(values["licence_number"], valid_from, valid_until, path)
        request_own_prefix(
            session,
            actor=portal.actor,
            enterprise=portal.enterprise,
            prefix=values["prefix"],
            evidence=evidence,
        )
    except TruyxuatError as exc:
        session.rollback()
        if path is not None and (stored := stored_image(media_root(request), path)):
            stored.unlink(missing_ok=True)
        errors = field_errors(exc, request_language(request))
        return _dashboard(request, session, portal, errors=errors, values=values, status_code=400)
    flash(
        request,
        f"Đã gửi yêu cầu cấp tiền tố {values['prefix']}. Chi cục sẽ đối chiếu giấy chứng nhận "
        "rồi cấp; trước đó chưa tạo được mã sản phẩm dưới tiền tố này.",
        f"Request for prefix {values['prefix']} sent. The agency checks the certificate and "
        "then grants it; until then no product code can be made under it.",
    )
    return see_other("/portal")


@router.post("/portal/prefix/request")
def request_prefix_from_pool(request: Request, session: SessionDep, portal: PortalDep) -> Response:
    try:
        request_pool_prefix(session, actor=portal.actor, enterprise=portal.enterprise)
    except TruyxuatError as exc:
        session.rollback()
        errors = field_errors(exc, request_language(request))
        return _dashboard(request, session, portal, errors=errors, status_code=400)
    flash(
        request,
        "Đã gửi yêu cầu cấp tiền tố. Chi cục sẽ cấp tiền tố cho doanh nghiệp.",
        "Request sent. The agency will assign a prefix to your enterprise.",
    )
    return see_other("/portal")
