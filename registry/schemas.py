"""What goes in and out of the registry's core records (API bodies and answers)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from registry.accounts.models import KeyScope, Role
from registry.certificates.models import CertificateKind
from registry.enterprises.models import EnterpriseKind, EnterpriseStatus, IdentityChangeStatus
from registry.locations.models import LocationKind
from registry.lots.models import LotStatus
from registry.prefixes.models import PrefixRequestStatus, PrefixSource
from registry.products.models import ProductStatus
from registry.text import MAX_QUANTITY, MAX_TEXT_LENGTH, QUANTITY_PLACES, forbidden_character

T = TypeVar("T")
# Record ids are 32-bit on PostgreSQL; anything larger cannot exist and must not reach SQL.
MAX_ID = 2_147_483_647
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


# A quantity in the lot's unit; the database column is Numeric(18, 3).
Quantity = Annotated[Decimal, Field(ge=0, le=MAX_QUANTITY, decimal_places=QUANTITY_PLACES)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


class In(BaseModel):
    """Every request body: no control characters in any text, no text longer than
    MAX_TEXT_LENGTH unless its field says otherwise; caught here, not by the database."""

    model_config = ConfigDict(str_max_length=MAX_TEXT_LENGTH)

    @field_validator("*")
    @classmethod
    def _text_is_printable(cls, value: Any) -> Any:
        _refuse_forbidden_characters(value)
        return value


def _refuse_forbidden_characters(value: Any) -> None:
    if isinstance(value, str):
        character = forbidden_character(value)
        if character is not None:
            raise PydanticCustomError(
                "control_character",
                "Text holds a control character that is not allowed ({character})",
                {"character": character},
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_forbidden_characters(key)
            _refuse_forbidden_characters(item)
    elif isinstance(value, list | tuple | set):
        for item in value:
            _refuse_forbidden_characters(item)


def kept(**constraints: Any) -> Any:
    """A patch field that every record has a value for: left out, it stays as it is;
    null is refused with the other input errors (the type has no None, and pydantic
    does not validate a default that is never used)."""
    return Field(default=None, json_schema_extra=_without_default, **constraints)


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int
    pages: int


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


class ReasonIn(In):
    reason: str = Field(default="", max_length=2000)


class PrefixIn(In):
    prefix: str = Field(max_length=12)
    enterprise_id: Id | None = None


class GrantedPrefixIn(PrefixIn):
    reason: str = Field(
        default="", max_length=2000, description="Why it is granted (agency staff must say)"
    )


# A 5 MB image (the upload limit) is at most this long in base64.
MAX_SCAN_BASE64 = 7_000_000


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


class ProductIn(In):
    enterprise_id: Id | None = None
    gtin: str | None = Field(
        default=None, max_length=32, description="Leave out to allocate the next GTIN"
    )
    item_reference: int | None = Field(default=None, ge=0, le=999_999)
    prefix_id: Id | None = None
    name_vi: str = Field(min_length=1, max_length=300)
    name_en: str | None = Field(default=None, max_length=300)
    brand: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=120)
    description_vi: str | None = Field(default=None, max_length=5000)
    description_en: str | None = Field(default=None, max_length=5000)
    net_content: str | None = Field(default=None, max_length=64)
    standards_applied: str | None = Field(default=None, max_length=2000)
    warnings_vi: str | None = Field(default=None, max_length=2000)
    warnings_en: str | None = Field(default=None, max_length=2000)


class ProductPatch(In):
    model_config = ConfigDict(extra="forbid")
    name_vi: str = kept(max_length=300)
    name_en: str | None = Field(default=None, max_length=300)
    brand: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=120)
    description_vi: str | None = Field(default=None, max_length=5000)
    description_en: str | None = Field(default=None, max_length=5000)
    net_content: str | None = Field(default=None, max_length=64)
    standards_applied: str | None = Field(default=None, max_length=2000)
    warnings_vi: str | None = Field(default=None, max_length=2000)
    warnings_en: str | None = Field(default=None, max_length=2000)
    status: ProductStatus = kept()


class ProductOut(Out):
    id: int
    enterprise_id: int
    gtin: str
    gtin13: str | None
    name_vi: str
    name_en: str | None
    brand: str | None
    category: str | None
    description_vi: str | None
    description_en: str | None
    net_content: str | None
    image_path: str | None
    standards_applied: str | None
    warnings_vi: str | None
    warnings_en: str | None
    status: ProductStatus
    created_at: dt.datetime


class LocationIn(In):
    enterprise_id: Id | None = None
    gln: str | None = Field(
        default=None, max_length=32, description="Leave out to allocate the next GLN"
    )
    name: str = Field(min_length=1, max_length=300)
    kind: LocationKind
    address: str = Field(default="", max_length=500)
    ward_code: str | None = Field(default=None, max_length=16)
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class LocationPatch(In):
    model_config = ConfigDict(extra="forbid")
    name: str = kept(max_length=300)
    kind: LocationKind = kept()
    address: str = kept(max_length=500)
    ward_code: str | None = Field(default=None, max_length=16)
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class LocationOut(Out):
    id: int
    enterprise_id: int
    gln: str
    name: str
    kind: LocationKind
    address: str
    ward_code: str | None
    latitude: float | None
    longitude: float | None


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


class LotIn(In):
    product_id: Id
    code: str = Field(max_length=80)
    production_on: dt.date | None = None
    expiry_on: dt.date | None = None
    best_before_on: dt.date | None = None
    quantity: Quantity | None = None
    unit: str | None = Field(default=None, max_length=3)
    origin_location_id: Id | None = None


class LotPatch(In):
    model_config = ConfigDict(extra="forbid")
    production_on: dt.date | None = None
    expiry_on: dt.date | None = None
    best_before_on: dt.date | None = None
    quantity: Quantity | None = None
    unit: str | None = Field(default=None, max_length=3)
    origin_location_id: Id | None = None


class LotOut(Out):
    id: int
    product_id: int
    code: str
    production_on: dt.date | None
    expiry_on: dt.date | None
    best_before_on: dt.date | None
    quantity: Decimal | None
    unit: str | None
    origin_location_id: int | None
    status: LotStatus


class AdminUnitOut(Out):
    code: str
    name: str
    level: str
    parent_code: str | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    successor_codes: list[str]


class LoginIn(In):
    email: str = Field(max_length=254)
    password: str = Field(max_length=200)


class UserIn(In):
    email: str = Field(max_length=254)
    password: str = Field(max_length=200)
    role: Role
    enterprise_id: Id | None = None
    full_name: str = Field(default="", max_length=200)


class UserOut(Out):
    id: int
    email: str
    full_name: str
    role: Role
    enterprise_id: int | None
    is_active: bool
    is_owner: bool


class ApiKeyIn(In):
    name: str = Field(default="", max_length=120)
    role: Role = Role.enterprise
    enterprise_id: Id | None = None
    scope: KeyScope | None = Field(
        default=None,
        description="Agency keys only: 'read' (the default) or 'write'."
        " Enterprise and admin keys always write.",
    )


class ApiKeyOut(Out):
    id: int
    name: str
    lookup: str
    role: Role
    scope: KeyScope
    enterprise_id: int | None
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class IssuedApiKeyOut(ApiKeyOut):
    secret: str = Field(description="Shown once; store it now")


class FieldProblemOut(BaseModel):
    field: str
    message_vi: str
    message_en: str


class Problem(BaseModel):
    """RFC 9457 problem details, with the message in Vietnamese and English."""

    type: str
    title: str
    status: int
    detail: str
    message_vi: str
    message_en: str
    instance: str
    errors: list[FieldProblemOut] | None = None
