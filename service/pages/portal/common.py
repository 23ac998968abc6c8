"""What every portal page shares: the signed-in user, CSRF, idle expiry, form errors."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, RedirectResponse

from registry.accounts.models import User
from registry.accounts.service import actor_for_user
from registry.actor import Actor
from registry.enterprises.models import Enterprise
from registry.errors import Forbidden, InvalidInput, TruyxuatError
from service.auth import csrf_token, csrf_valid, end_session
from service.deps import SAFE_METHODS, SessionDep, session_user
from service.i18n import LANGUAGES, request_language
from service.pages.form_text import clean_form, refuse_form_text
from service.templating import render

# A session left untouched this long ends, whatever the cookie's own lifetime.
IDLE_TIMEOUT_SECONDS = 60 * 60
SEEN_KEY = "seen"
FLASH_KEY = "flash"


@dataclass(frozen=True)
class Portal:
    """The signed-in enterprise user and what they act as."""

    user: User
    actor: Actor
    enterprise: Enterprise


def _login_redirect(request: Request) -> HTTPException:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    # The app's HTTP error handler keeps these headers, so browsers follow the 303.
    return HTTPException(status_code=303, headers={"Location": f"/login?next={_quote(target)}"})


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


def signed_in_user(request: Request, session: Session) -> User | None:
    """The session's user, unless the session sat idle too long (then it ends)."""
    user = session_user(request, session)
    if user is None:
        return None
    seen = request.session.get(SEEN_KEY)
    now = int(time.time())
    if isinstance(seen, int) and now - seen > IDLE_TIMEOUT_SECONDS:
        end_session(request)
        return None
    request.session[SEEN_KEY] = now
    return user


def portal_context(request: Request, session: SessionDep) -> Portal:
    user = signed_in_user(request, session)
    if user is None:
        raise _login_redirect(request)
    if user.enterprise is None:
        raise Forbidden(
            "Cổng doanh nghiệp chỉ dành cho tài khoản doanh nghiệp.",
            "The enterprise portal is for enterprise accounts only.",
        )
    return Portal(user=user, actor=actor_for_user(user), enterprise=user.enterprise)


PortalDep = Annotated[Portal, Depends(portal_context)]


async def require_csrf(request: Request) -> None:
    """Every form posts the session's token; anything else is refused with 403."""
    if request.method in SAFE_METHODS:
        return
    form = await request.form()
    submitted = form.get("csrf_token")
    if not csrf_valid(request, submitted if isinstance(submitted, str) else None):
        raise Forbidden(
            "Biểu mẫu đã hết hạn hoặc không hợp lệ. Hãy tải lại trang và gửi lại.",
            "The form has expired or is invalid. Reload the page and submit again.",
        )


def field_errors(error: TruyxuatError, lang: str) -> dict[str, str]:
    """One message per field, in the page's language; the first problem of a field wins."""
    errors: dict[str, str] = {}
    problems = error.problems or []
    if not problems:
        errors["form"] = error.message_vi if lang == "vi" else error.message_en
    for problem in problems:
        message = problem.message_vi if lang == "vi" else problem.message_en
        errors.setdefault(problem.field or "form", message)
    return errors


def flash(request: Request, message_vi: str, message_en: str) -> None:
    request.session.setdefault(FLASH_KEY, []).append([message_vi, message_en])


def take_flashes(request: Request, lang: str) -> list[str]:
    messages = request.session.pop(FLASH_KEY, None) or []
    return [vi if lang == "vi" else en for vi, en in messages]


def page(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    portal: Portal | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a portal page with the nav, the status banner, flashes and a CSRF token."""
    csrf_token(request)
    lang = request_language(request)
    values: dict[str, Any] = {
        "portal": portal,
        "flashes": take_flashes(request, lang),
        "errors": {},
        "values": {},
        "path": request.url.path,
    }
    values.update(context or {})
    response = render(request, template, values, status_code=status_code, headers=headers)
    response.headers["Cache-Control"] = "no-store"
    remember_language(request, response)
    return response


def remember_language(request: Request, response: HTMLResponse | RedirectResponse) -> None:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        response.set_cookie("lang", asked, max_age=365 * 86400, samesite="lax", httponly=True)


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def form_values(form: Any, names: list[str]) -> dict[str, str]:
    """The submitted text of each field, to put back in the form on an error."""
    return {name: str(form.get(name) or "").strip() for name in names}


def parse_date(text: str, field: str, *, required: bool = False) -> dt.date | None:
    """A date field's year-month-day (what a date input posts); empty is None unless
    `required`."""
    if not text:
        if required:
            raise InvalidInput("Cần nhập ngày.", "Enter a date.", field=field)
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            "Ngày không hợp lệ (dạng năm-tháng-ngày).",
            "Invalid date (year-month-day).",
            field=field,
        ) from exc


def optional(text: str | None) -> str | None:
    value = (text or "").strip()
    return value or None


class SubmittedForm(FormData):
    """The posted form without control characters; `refused` names the fields that held one."""

    def __init__(self, form: FormData) -> None:
        cleaned, self.refused = clean_form(form)
        super().__init__(cleaned.multi_items())


async def read_form(request: Request) -> SubmittedForm:
    return SubmittedForm(await request.form())


def refuse_control_characters(form: SubmittedForm) -> None:
    """Raise, inside the route's own error path, so the form comes back with the text
    typed (minus those characters) and a message next to each field that held one."""
    if form.refused:
        first = form.refused[0]
        raise InvalidInput(first.message_vi, first.message_en, problems=form.refused)


FormDep = Annotated[SubmittedForm, Depends(read_form)]


async def refuse_text_the_route_cannot_show(request: Request) -> None:
    """Control characters go to a route that shows its form again with them (it reads
    FormDep); any other route gets them refused here, before it runs."""
    route = request.scope.get("route")
    shows_form = isinstance(route, APIRoute) and any(
        dependency.call is read_form for dependency in route.dependant.dependencies
    )
    await refuse_form_text(request, controls_too=not shows_form)
