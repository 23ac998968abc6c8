"""Locations (farms, packhouses, stores …) with their GLN and coordinates."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from registry.enterprises.policy import Deed, ensure_allows
from registry.errors import InvalidInput, TruyxuatError
from registry.locations.models import Location, LocationKind
from registry.locations.service import (
    create_location,
    get_location,
    list_locations,
    update_location,
)
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
    refuse_control_characters,
    see_other,
)
from service.pages.portal.places import ward_groups

router = APIRouter(prefix="/portal/locations")
KINDS = [
    (LocationKind.farm, "Vườn, trang trại"),
    (LocationKind.growing_area, "Vùng trồng"),
    (LocationKind.packhouse, "Cơ sở đóng gói"),
    (LocationKind.factory, "Cơ sở chế biến"),
    (LocationKind.warehouse, "Kho"),
    (LocationKind.store, "Cửa hàng, điểm bán"),
    (LocationKind.office, "Văn phòng"),
]
FIELDS = ["name", "kind", "address", "ward_code", "ward_q", "latitude", "longitude", "gln"]


def _coordinate(text: str, field: str) -> float | None:
    if not text:
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError as exc:
        raise InvalidInput(
            "Toạ độ phải là số thập phân, ví dụ 10.3456.",
            "A coordinate is a decimal number, e.g. 10.3456.",
            field=field,
        ) from exc


def _kind(text: str) -> LocationKind:
    if text not in set(LocationKind):
        raise InvalidInput("Chọn loại địa điểm.", "Choose the kind of location.", field="kind")
    return LocationKind(text)


def _form_page(
    request: Request,
    session: Session,
    portal: Portal,
    *,
    location: Location | None,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    groups = ward_groups(session, query=values.get("ward_q"), selected=values.get("ward_code"))
    return page(
        request,
        "portal/location_form.html",
        {
            "location": location,
            "values": values,
            "errors": errors,
            "kinds": KINDS,
            "ward_groups": groups,
        },
        portal=portal,
        status_code=status_code,
    )


@router.get("")
def locations(request: Request, session: SessionDep, portal: PortalDep) -> Response:
    listing = list_locations(session, actor=portal.actor, per_page=200)
    return page(
        request, "portal/locations.html", {"listing": listing, "kinds": dict(KINDS)}, portal=portal
    )


@router.get("/new")
def new_location(request: Request, session: SessionDep, portal: PortalDep) -> Response:
    ensure_allows(portal.enterprise, Deed.issue_codes)
    values = {
        "kind": LocationKind.farm.value,
        "ward_code": portal.enterprise.ward_code or "",
        "ward_q": request.query_params.get("ward_q", ""),
    }
    return _form_page(request, session, portal, location=None, values=values, errors={})


@router.post("/new")
def create(request: Request, session: SessionDep, portal: PortalDep, form: FormDep) -> Response:
    values = form_values(form, FIELDS)
    if form.get("action") == "find_ward":
        return _form_page(request, session, portal, location=None, values=values, errors={})
    try:
        refuse_control_characters(form)
        location = create_location(
            session,
            actor=portal.actor,
            enterprise=portal.enterprise,
            name=values["name"],
            kind=_kind(values["kind"]),
            address=values["address"],
            ward_code=optional(values["ward_code"]),
            latitude=_coordinate(values["latitude"], "latitude"),
            longitude=_coordinate(values["longitude"], "longitude"),
            gln=optional(values["gln"]),
        )
    except TruyxuatError as exc:
        session.rollback()
        return _form_page(
            request, session, portal, location=None, values=values,
            errors=field_errors(exc, request_language(request)), status_code=400,
        )  # fmt: skip
    flash(request, f"Đã thêm địa điểm, GLN {location.gln}.", f"Location added, GLN {location.gln}.")
    return see_other(f"/portal/locations/{location.id}")


@router.get("/{location_id}")
def location_detail(
    request: Request, session: SessionDep, portal: PortalDep, location_id: int
) -> Response:
    location = get_location(session, actor=portal.actor, location_id=location_id)
    values = {
        "name": location.name,
        "kind": location.kind.value,
        "address": location.address,
        "ward_code": location.ward_code or "",
        "latitude": "" if location.latitude is None else f"{location.latitude:.6f}",
        "longitude": "" if location.longitude is None else f"{location.longitude:.6f}",
    }
    return _form_page(request, session, portal, location=location, values=values, errors={})


@router.post("/{location_id}")
def edit(
    request: Request, session: SessionDep, portal: PortalDep, form: FormDep, location_id: int
) -> Response:
    location = get_location(session, actor=portal.actor, location_id=location_id)
    values = form_values(form, FIELDS)
    if form.get("action") == "find_ward":
        return _form_page(request, session, portal, location=location, values=values, errors={})
    try:
        refuse_control_characters(form)
        update_location(
            session,
            actor=portal.actor,
            location=location,
            changes={
                "name": values["name"],
                "kind": _kind(values["kind"]),
                "address": values["address"],
                "ward_code": optional(values["ward_code"]),
                "latitude": _coordinate(values["latitude"], "latitude"),
                "longitude": _coordinate(values["longitude"], "longitude"),
            },
        )
    except TruyxuatError as exc:
        session.rollback()
        return _form_page(
            request, session, portal, location=location, values=values,
            errors=field_errors(exc, request_language(request)), status_code=400,
        )  # fmt: skip
    flash(request, "Đã lưu địa điểm.", "Location saved.")
    return see_other(f"/portal/locations/{location.id}")
