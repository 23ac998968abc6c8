"""Sign in, sign out, change password. Resets go through the agency: no mail server."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from registry.accounts.models import User
from registry.accounts.service import change_password
from registry.errors import RateLimited, TruyxuatError
from service.auth import check_sign_in, end_session, start_session
from service.deps import SessionDep, session_user
from service.i18n import request_language
from service.pages.portal.common import (
    FormDep,
    PortalDep,
    field_errors,
    flash,
    page,
    refuse_control_characters,
    see_other,
    signed_in_user,
)
from service.ratelimit import limit

router = APIRouter()
LOGINS_PER_MINUTE = 10


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect. Empty: the user's home page."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return ""


def _home(user: User) -> str:
    """Staff work in the agency pages, enterprise users in the portal."""
    return "/portal" if user.enterprise_id is not None else "/agency/"


@router.get("/login")
def login_form(request: Request, session: SessionDep) -> Response:
    user = signed_in_user(request, session)
    if user is not None:
        return see_other(_home(user))
    return page(
        request, "portal/login.html", {"next": _safe_next(request.query_params.get("next"))}
    )


@router.post("/login")
def login(request: Request, session: SessionDep, form: FormDep) -> Response:
    email = str(form.get("email") or "").strip()
    target = _safe_next(str(form.get("next") or ""))
    lang = request_language(request)
    try:
        refuse_control_characters(form)
        limit(request, "portal-login", per_minute=LOGINS_PER_MINUTE)
        user = check_sign_in(session, email=email, password=str(form.get("password") or ""))
    except RateLimited as exc:
        errors = {"form": exc.message_vi if lang == "vi" else exc.message_en}
        return page(
            request,
            "portal/login.html",
            {"errors": errors, "values": {"email": email}, "next": target},
            status_code=429,
        )
    except TruyxuatError as exc:
        return page(
            request,
            "portal/login.html",
            {"errors": field_errors(exc, lang), "values": {"email": email}, "next": target},
            status_code=400,
        )
    start_session(request, user)
    return see_other(target or _home(user))


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    end_session(request, session_user(request, session))
    return see_other("/login")


@router.get("/portal/password")
def password_form(request: Request, portal: PortalDep) -> Response:
    return page(request, "portal/password.html", portal=portal)


@router.post("/portal/password")
def password_change(
    request: Request, session: SessionDep, portal: PortalDep, form: FormDep
) -> Response:
    new_password = str(form.get("new_password") or "")
    errors: dict[str, str] = {}
    lang = request_language(request)
    if new_password != str(form.get("confirm_password") or ""):
        errors["confirm_password"] = (
            "Hai mật khẩu mới không giống nhau."
            if lang == "vi"
            else "The two new passwords do not match."
        )
    else:
        try:
            refuse_control_characters(form)
            change_password(
                session,
                actor=portal.actor,
                user=portal.user,
                new_password=new_password,
                current_password=str(form.get("current_password") or ""),
            )
        except TruyxuatError as exc:
            session.rollback()
            errors = field_errors(exc, lang)
            if "password" in errors:
                errors["new_password"] = errors.pop("password")
    if errors:
        return page(
            request, "portal/password.html", {"errors": errors}, portal=portal, status_code=400
        )
    # The change ended every older session, this one included: start a fresh one.
    start_session(request, portal.user)
    flash(request, "Đã đổi mật khẩu.", "Password changed.")
    return see_other("/portal")
