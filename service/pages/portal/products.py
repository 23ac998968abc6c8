"""Products: list, add and edit (GTIN allocated or entered), photo, certificates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from registry.certificates.models import CertificateKind
from registry.certificates.service import (
    certificates_for_product,
    create_certificate,
    delete_certificate,
    get_certificate,
)
from registry.enterprises.policy import Deed, ensure_allows
from registry.errors import InvalidInput, TruyxuatError
from registry.gpc.service import brick_titles
from registry.lots.service import list_lots
from registry.products.master_data import (
    NET_CONTENT_UNITS,
    alpha2_markets,
    completeness,
    product_image_url,
)
from registry.products.models import Product
from registry.products.service import (
    ProductDetails,
    create_product,
    get_product,
    list_products,
    update_product,
)
from registry.text import format_quantity, parse_quantity
from service.deps import SessionDep
from service.i18n import request_language
from service.pages.portal.common import (
    FormDep,
    Portal,
    PortalDep,
    field_errors,
    flash,
    form_values,
    optional,
    page,
    parse_date,
    refuse_control_characters,
    see_other,
)
from service.pages.portal.images import media_root, store_image, uploaded_image

router = APIRouter(prefix="/portal/products")
MASTER_DATA_FIELDS = [
    "net_content_value",
    "net_content_unit",
    "gpc_brick_code",
    "target_markets",
    "image_url",
]
DETAIL_FIELDS = [
    "name_vi",
    "name_en",
    "name_zh",
    "brand",
    "category",
    "net_content",
    "description_vi",
    "description_en",
    "standards_applied",
    "warnings_vi",
    "warnings_en",
    *MASTER_DATA_FIELDS,
]
CERTIFICATE_KINDS = [
    (CertificateKind.vietgap, "VietGAP"),
    (CertificateKind.ocop, "OCOP"),
    (CertificateKind.geographical_indication, "Chỉ dẫn địa lý"),
    (CertificateKind.organic, "Hữu cơ"),
    (CertificateKind.haccp, "HACCP"),
    (CertificateKind.iso22000, "ISO 22000"),
    (CertificateKind.other, "Khác"),
]
CERTIFICATE_FIELDS = ["kind", "title", "number", "issuer", "stars", "valid_from", "valid_until"]


def product_details(values: dict[str, str]) -> ProductDetails:
    text = {
        name: optional(values.get(name))
        for name in DETAIL_FIELDS
        if name not in ("name_vi", "net_content_value")
    }
    return ProductDetails(
        name_vi=values["name_vi"],
        net_content_value=parse_quantity(
            values.get("net_content_value", ""), field="net_content_value"
        ),
        **text,
    )


def _form_values(product: Product) -> dict[str, str]:
    """What the edit form shows: the stored values as a person types them."""
    values = {name: getattr(product, name) or "" for name in DETAIL_FIELDS}
    values["net_content_value"] = format_quantity(product.net_content_value)
    values["target_markets"] = alpha2_markets(product.target_markets)
    return values


@router.get("")
def products(
    request: Request, session: SessionDep, portal: PortalDep, q: str = "", page_no: int = 1
) -> Response:
    listing = list_products(session, actor=portal.actor, query=q or None, page=page_no, per_page=50)
    known = frozenset(brick_titles(session, {p.gpc_brick_code or "" for p in listing.items}))
    scores = {p.id: completeness(p, known_bricks=known) for p in listing.items}
    return page(
        request,
        "portal/products.html",
        {"listing": listing, "q": q, "scores": scores},
        portal=portal,
    )


def _unit_options(request: Request) -> list[tuple[str, str]]:
    lang = request_language(request)
    return [
        (code, f"{names[0] if lang == 'vi' else names[1]} ({code})")
        for code, names in NET_CONTENT_UNITS.items()
    ]


def _form_page(
    request: Request,
    portal: Portal,
    *,
    product: Product | None,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "portal/product_form.html",
        {"product": product, "values": values, "errors": errors, "units": _unit_options(request)},
        portal=portal,
        status_code=status_code,
    )


@router.get("/new")
def new_product(request: Request, portal: PortalDep) -> Response:
    ensure_allows(portal.enterprise, Deed.issue_codes)
    return _form_page(request, portal, product=None, values={"gtin_mode": "auto"}, errors={})


@router.post("/new")
def create(request: Request, session: SessionDep, portal: PortalDep, form: FormDep) -> Response:
    values = form_values(form, [*DETAIL_FIELDS, "gtin_mode", "gtin"])
    lang = request_language(request)
    try:
        refuse_control_characters(form)
        image = uploaded_image(form)
        gtin = values["gtin"] if values["gtin_mode"] == "manual" else None
        if values["gtin_mode"] == "manual" and not gtin:
            raise InvalidInput("Cần nhập GTIN.", "Enter the GTIN.", field="gtin")
        product = create_product(
            session,
            actor=portal.actor,
            enterprise=portal.enterprise,
            details=product_details(values),
            gtin=gtin,
        )
        if image is not None:
            path = store_image(media_root(request), image)
            update_product(
                session, actor=portal.actor, product=product, changes={"image_path": path}
            )
    except TruyxuatError as exc:
        session.rollback()
        return _form_page(
            request,
            portal,
            product=None,
            values=values,
            errors=field_errors(exc, lang),
            status_code=400,
        )
    flash(
        request, f"Đã thêm sản phẩm, GTIN {product.gtin}.", f"Product added, GTIN {product.gtin}."
    )
    return see_other(f"/portal/products/{product.id}")


def _product_page(
    request: Request,
    session: Session,
    portal: Portal,
    product: Product,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    today = dt.date.today()
    brick_title = brick_titles(session, [product.gpc_brick_code or ""])
    base_url = request.app.state.truyxuat.settings.public_base_url
    return page(
        request,
        "portal/product.html",
        {
            "product": product,
            "master": completeness(product, known_bricks=frozenset(brick_title)),
            "brick_title": brick_title.get(product.gpc_brick_code or ""),
            "image_url": product_image_url(product, base_url=base_url),
            "markets": alpha2_markets(product.target_markets),
            "unit_names": NET_CONTENT_UNITS,
            "certificates": certificates_for_product(session, product=product),
            "lots": list_lots(session, actor=portal.actor, product_id=product.id, per_page=20),
            "certificate_kinds": CERTIFICATE_KINDS,
            "today": today,
            "errors": errors or {},
            "values": values or {"valid_from": today.isoformat()},
            "base_url": request.app.state.truyxuat.settings.public_base_url,
        },
        portal=portal,
        status_code=status_code,
    )


@router.get("/{product_id}")
def product_detail(
    request: Request, session: SessionDep, portal: PortalDep, product_id: int
) -> Response:
    product = get_product(session, actor=portal.actor, product_id=product_id)
    return _product_page(request, session, portal, product)


@router.get("/{product_id}/edit")
def edit_form(
    request: Request, session: SessionDep, portal: PortalDep, product_id: int
) -> Response:
    product = get_product(session, actor=portal.actor, product_id=product_id)
    values = _form_values(product)
    return _form_page(request, portal, product=product, values=values, errors={})


@router.post("/{product_id}/edit")
def edit(
    request: Request, session: SessionDep, portal: PortalDep, form: FormDep, product_id: int
) -> Response:
    product = get_product(session, actor=portal.actor, product_id=product_id)
    values = form_values(form, DETAIL_FIELDS)
    try:
        refuse_control_characters(form)
        image = uploaded_image(form)
        changes: dict[str, Any] = {
            name: value for name, value in vars(product_details(values)).items()
        }
        if image is not None:
            changes["image_path"] = store_image(media_root(request), image)
        update_product(session, actor=portal.actor, product=product, changes=changes)
    except TruyxuatError as exc:
        session.rollback()
        return _form_page(
            request,
            portal,
            product=product,
            values=values,
            errors=field_errors(exc, request_language(request)),
            status_code=400,
        )
    flash(request, "Đã lưu sản phẩm.", "Product saved.")
    return see_other(f"/portal/products/{product.id}")


def _stars(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInput("Số sao phải là số.", "Stars must be a number.", field="stars")
    return int(text)


@router.post("/{product_id}/certificates")
def add_certificate(
    request: Request, session: SessionDep, portal: PortalDep, form: FormDep, product_id: int
) -> Response:
    product = get_product(session, actor=portal.actor, product_id=product_id)
    values = form_values(form, CERTIFICATE_FIELDS)
    try:
        refuse_control_characters(form)
        kind = CertificateKind(values["kind"]) if values["kind"] in set(CertificateKind) else None
        if kind is None:
            raise InvalidInput("Chọn loại chứng nhận.", "Choose the kind.", field="kind")
        valid_from = parse_date(values["valid_from"], "valid_from", required=True)
        assert valid_from is not None
        create_certificate(
            session,
            actor=portal.actor,
            enterprise=portal.enterprise,
            kind=kind,
            number=values["number"],
            issuer=values["issuer"],
            valid_from=valid_from,
            valid_until=parse_date(values["valid_until"], "valid_until"),
            stars=_stars(values["stars"]),
            title=optional(values["title"]),
            product=product,
        )
    except TruyxuatError as exc:
        session.rollback()
        return _product_page(
            request,
            session,
            portal,
            product,
            values=values,
            errors=field_errors(exc, request_language(request)),
            status_code=400,
        )
    flash(request, "Đã thêm chứng nhận.", "Certificate added.")
    return see_other(f"/portal/products/{product.id}#certificates")


@router.post("/{product_id}/certificates/{certificate_id}/delete")
def remove_certificate(
    request: Request, session: SessionDep, portal: PortalDep, product_id: int, certificate_id: int
) -> Response:
    product = get_product(session, actor=portal.actor, product_id=product_id)
    certificate = get_certificate(session, actor=portal.actor, certificate_id=certificate_id)
    delete_certificate(session, actor=portal.actor, certificate=certificate)
    flash(request, "Đã xoá chứng nhận.", "Certificate removed.")
    return see_other(f"/portal/products/{product.id}#certificates")
