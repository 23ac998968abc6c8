"""Sign-up: the enterprise and its first user, waiting for the agency's verification."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from registry.accounts.models import Role
from registry.accounts.service import MIN_PASSWORD_LENGTH, create_user
from registry.actor import signing_up
from registry.enterprises.models import EnterpriseKind
from registry.enterprises.service import EnterpriseDetails, register_enterprise
from registry.errors import RateLimited, TruyxuatError
from registry.vn import parse_tax_code, tax_code_problems
from service.auth import start_session
from service.deps import SessionDep
from service.i18n import request_language
from service.pages.portal.common import (
    FormDep,
    field_errors,
    flash,
    form_values,
    optional,
    page,
    refuse_control_characters,
    see_other,
)
from service.pages.portal.places import ward_groups
from service.ratelimit import limit

router = APIRouter()
SIGN_UPS_PER_MINUTE = 10
CHECKS_PER_MINUTE = 120
KINDS = [
    (EnterpriseKind.cooperative, "Hợp tác xã"),
    (EnterpriseKind.household, "Hộ kinh doanh"),
    (EnterpriseKind.company, "Công ty, doanh nghiệp"),
]
FIELDS = [
    "tax_code",
    "kind",
    "legal_name",
    "trading_name",
    "address",
    "ward_code",
    "ward_q",
    "contact_name",
    "phone",
    "account_email",
]


# The error summary names each field: "Mật khẩu: Cần được nhập." (labels as on the form).
FIELD_LABELS = {
    "tax_code": "Mã số thuế hoặc số định danh cá nhân",
    "kind": "Loại hình",
    "legal_name": "Tên theo giấy đăng ký",
    "trading_name": "Tên giao dịch (nếu có)",
    "ward_code": "Xã, phường",
    "address": "Địa chỉ (số nhà, ấp, khóm)",
    "contact_name": "Họ và tên",
    "phone": "Số điện thoại",
    "account_email": "E-mail đăng nhập",
    "password": "Mật khẩu",
    "confirm_password": "Nhập lại mật khẩu",
}
MESSAGES = {
    "required": ("Cần được nhập.", "Required."),
    "choose": ("Cần chọn một mục.", "Choose one."),
    "mismatch": ("Hai mật khẩu không giống nhau.", "The two passwords do not match."),
    "short": (
        f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.",
        f"The password must have at least {MIN_PASSWORD_LENGTH} characters.",
    ),
}


def _say(lang: str, key: str) -> str:
    vi, en = MESSAGES[key]
    return vi if lang == "vi" else en


def _form_page(
    request: Request,
    session: SessionDep,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    groups = ward_groups(session, query=values.get("ward_q"), selected=values.get("ward_code"))
    return page(
        request,
        "portal/signup.html",
        {
            "values": values,
            "errors": errors,
            "field_labels": FIELD_LABELS,
            "kinds": KINDS,
            "ward_groups": groups,
        },
        status_code=status_code,
    )


@router.get("/portal/signup")
def signup_form(request: Request, session: SessionDep) -> Response:
    values = {
        "kind": EnterpriseKind.cooperative.value,
        "ward_q": request.query_params.get("ward_q", ""),
    }
    return _form_page(request, session, values=values, errors={})


@router.get("/portal/signup/tax-code")
def check_tax_code(request: Request, value: str = "") -> JSONResponse:
    """The as-you-type check: the same rules the submit applies, no database."""
    limit(request, "portal-tax-code-check", per_minute=CHECKS_PER_MINUTE)
    lang = request_language(request)
    problems = tax_code_problems(value)
    if problems:
        first = problems[0]
        return JSONResponse(
            {"valid": False, "message": first.message_vi if lang == "vi" else first.message_en}
        )
    parsed = parse_tax_code(value)
    kinds = {
        "mst10": ("Mã số thuế doanh nghiệp hợp lệ.", "Valid enterprise tax code."),
        "mst13": ("Mã số thuế chi nhánh hợp lệ.", "Valid branch tax code."),
        "personal_id12": (
            "Số định danh cá nhân (hộ kinh doanh) hợp lệ.",
            "Valid personal ID number (household business).",
        ),
    }
    vi, en = kinds[parsed.kind]
    return JSONResponse(
        {"valid": True, "display": parsed.display, "message": vi if lang == "vi" else en}
    )


def _precheck(values: dict[str, str], password: str, confirm: str, lang: str) -> dict[str, str]:
    """Every problem we can find without the database, so the user fixes them in one go."""
    errors: dict[str, str] = {}
    problems = tax_code_problems(values["tax_code"])
    if problems:
        errors["tax_code"] = problems[0].message_vi if lang == "vi" else problems[0].message_en
    if values["kind"] not in {kind.value for kind, _ in KINDS}:
        errors["kind"] = _say(lang, "choose")
    for name in ("legal_name", "ward_code", "account_email"):
        if not values[name]:
            errors[name] = _say(lang, "choose" if name == "ward_code" else "required")
    if not password:
        errors["password"] = _say(lang, "required")
    elif len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = _say(lang, "short")
    if not confirm:
        errors["confirm_password"] = _say(lang, "required")
    elif password and password != confirm:
        errors["confirm_password"] = _say(lang, "mismatch")
    return errors


@router.post("/portal/signup")
def signup(request: Request, session: SessionDep, form: FormDep) -> Response:
    values = form_values(form, FIELDS)
    lang = request_language(request)
    password = str(form.get("password") or "")
    if form.get("action") == "find_ward":
        return _form_page(request, session, values=values, errors={})
    errors = _precheck(values, password, str(form.get("confirm_password") or ""), lang)
    if errors:
        return _form_page(request, session, values=values, errors=errors, status_code=400)
    try:
        refuse_control_characters(form)
        limit(request, "portal-sign-up", per_minute=SIGN_UPS_PER_MINUTE)
        applicant = signing_up(values["account_email"])
        enterprise = register_enterprise(
            session,
            actor=applicant,
            tax_code=values["tax_code"],
            details=EnterpriseDetails(
                legal_name=values["legal_name"],
                kind=EnterpriseKind(values["kind"]),
                address=values["address"],
                ward_code=values["ward_code"],
                trading_name=optional(values["trading_name"]),
                contact_name=optional(values["contact_name"]),
                phone=optional(values["phone"]),
                email=values["account_email"].lower(),
            ),
        )
        user = create_user(
            session,
            actor=applicant,
            email=values["account_email"],
            password=password,
            role=Role.enterprise,
            enterprise=enterprise,
            full_name=values["contact_name"],
        )
    except TruyxuatError as exc:
        session.rollback()
        errors = field_errors(exc, lang)
        if "email" in errors:
            errors["account_email"] = errors.pop("email")
        status = 429 if isinstance(exc, RateLimited) else 400
        return _form_page(request, session, values=values, errors=errors, status_code=status)
    session.flush()
    start_session(request, user)
    flash(
        request,
        "Đã đăng ký. Hồ sơ đang chờ Chi cục xác minh.",
        "Registered. Your application is waiting for the agency's verification.",
    )
    return see_other("/portal")
