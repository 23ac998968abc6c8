"""One error handler: domain errors become RFC 9457 problem JSON, or a page for browsers."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from labels.errors import LabelError
from registry.errors import (
    Conflict,
    FieldProblem,
    InvalidInput,
    NotFound,
    RateLimited,
    TruyxuatError,
)
from registry.gs1 import GS1Error
from registry.schemas import Problem
from service.deps import get_settings
from service.epcis.exceptions import EPCIS_CORS_HEADERS, epcis_exception, is_epcis_request
from service.i18n import request_language
from service.request_body import BodyOverLimit, too_large_error

log = logging.getLogger("truyxuat.errors")
PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "https://truyxuat.dev/problems/"

_PROBLEM = {
    "model": Problem,
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {**_PROBLEM, "description": description}
    for status, description in (
        (400, "Bad request"),
        (401, "Sign-in or an API key is required"),
        (403, "Not allowed for this role"),
        (404, "Not found (or another enterprise's record)"),
        (409, "Conflict with existing data"),
        (422, "Invalid input: the errors name the fields"),
        (413, "The request body is larger than its route family allows"),
        (429, "Too many requests"),
    )
}

_HTTP_MESSAGES: dict[int, tuple[str, str]] = {
    404: ("Không tìm thấy trang hoặc tài nguyên.", "Page or resource not found."),
    405: ("Phương thức không được hỗ trợ.", "Method not allowed."),
    413: ("Dữ liệu gửi lên quá lớn.", "The request is too large."),
    414: ("Địa chỉ quá dài.", "The address is too long."),
}


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    if request.url.path.startswith(("/api/", "/epcis")):
        return False
    return "text/html" in accept and "json" not in accept.split(",")[0]


def problem_response(
    request: Request,
    error: TruyxuatError,
    *,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> Response:
    """RFC 9457 problem JSON (with `extensions` as extra members, §3.2), or a page."""
    if isinstance(error, RateLimited):
        headers = {**(headers or {}), "retry-after": str(error.retry_after)}
    if wants_html(request):
        from service.templating import render

        if error.status == 401 and request.method == "GET":
            # A person who is not signed in is sent to sign in, then back here.
            target = quote(
                request.url.path + (f"?{request.url.query}" if request.url.query else "")
            )
            return RedirectResponse(f"/login?next={target}", status_code=303)
        return render(
            request,
            "errors/problem.html",
            {"error": error, "status": error.status},
            status_code=error.status,
            headers=headers,
        )
    lang = request_language(request)
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + error.slug,
        "title": error.title,
        "status": error.status,
        "detail": error.message_vi if lang == "vi" else error.message_en,
        "message_vi": error.message_vi,
        "message_en": error.message_en,
        "instance": _path_reference(request),
    }
    if error.problems:
        body["errors"] = [p.as_dict() for p in error.problems]
    body.update(extensions or {})
    if is_epcis_request(request):
        _as_epcis_exception(request, body)
        # A partner's web application must be able to read why it was refused.
        headers = {**EPCIS_CORS_HEADERS, **(headers or {})}
    return JSONResponse(body, status_code=body["status"], media_type=PROBLEM_JSON, headers=headers)


# RFC 3986 pchar besides unreserved characters, and the segment separator.
_PATH_SAFE = "/:@!$&'()*+,;="


def _path_reference(request: Request) -> str:
    """The request's path as a URI reference: the path arrives percent-decoded, and a
    decoded space or non-ASCII letter would make `instance` no URI (schemathesis with
    GS1's EPCIS OpenAPI document: format uri)."""
    return quote(request.url.path, safe=_PATH_SAFE)


def _as_epcis_exception(request: Request, body: dict[str, Any]) -> None:
    """A trading partner's EPCIS client reads the standard's exception name and an absolute
    `instance`; our own, finer reason stays in `reason`."""
    body["instance"] = get_settings(request).public_base_url + _path_reference(request)
    named = epcis_exception(request, body["status"], reason=body["type"])
    if named is not None:
        body["reason"] = body["type"]
        body["type"], body["status"] = named


def gs1_error_as_problem(error: GS1Error, *, field: str) -> InvalidInput:
    problems = [
        FieldProblem(field if p.ai is None else f"{field}", p.message_vi, p.message_en)
        for p in error.problems
    ]
    first = error.problems[0] if error.problems else None
    return InvalidInput(
        first.message_vi if first else "Mã GS1 không hợp lệ.",
        first.message_en if first else "Invalid GS1 data.",
        field=field,
        problems=problems,
    )


# What pydantic says in English, said in Vietnamese; the context fills the limits in.
_VALIDATION_VI: dict[str, str] = {
    "missing": "bắt buộc phải có",
    "string_too_long": "dài tối đa {max_length} ký tự",
    "string_too_short": "phải có ít nhất {min_length} ký tự",
    "too_long": "có tối đa {max_length} phần tử",
    "too_short": "phải có ít nhất {min_length} phần tử",
    "less_than_equal": "phải nhỏ hơn hoặc bằng {le}",
    "less_than": "phải nhỏ hơn {lt}",
    "greater_than_equal": "phải lớn hơn hoặc bằng {ge}",
    "greater_than": "phải lớn hơn {gt}",
    "decimal_max_places": "có tối đa {decimal_places} chữ số thập phân",
    "finite_number": "phải là một số hữu hạn",
    "control_character": "chứa ký tự điều khiển không được phép ({character})",
    "extra_forbidden": "không phải là trường được nhận",
    "string_unicode": "phải là văn bản Unicode hợp lệ",
    "string_type": "phải là văn bản",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "decimal_parsing": "phải là số",
    "float_parsing": "phải là số",
    "bool_parsing": "phải là true hoặc false",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "enum": "phải là một trong: {expected}",
    "json_invalid": "không phải JSON hợp lệ",
}


def _in_vietnamese(error: Any) -> str:
    template = _VALIDATION_VI.get(str(error.get("type")))
    try:
        if template is not None:
            return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        pass
    return f"không hợp lệ: {error.get('msg', 'invalid')}"


def _validation_problem(exc: RequestValidationError) -> InvalidInput:
    problems = []
    for err in exc.errors():
        location = [
            str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path")
        ]
        field = ".".join(location) or "body"
        message = str(err.get("msg", "invalid"))
        problems.append(
            FieldProblem(field, f"Trường '{field}' {_in_vietnamese(err)}", f"'{field}': {message}")
        )
    first = (
        problems[0] if problems else FieldProblem("body", "Dữ liệu không hợp lệ.", "Invalid data.")
    )
    return InvalidInput(first.message_vi, first.message_en, field=first.field, problems=problems)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(TruyxuatError)
    async def _domain(request: Request, exc: TruyxuatError) -> Response:
        return problem_response(request, exc)

    @app.exception_handler(GS1Error)
    async def _gs1(request: Request, exc: GS1Error) -> Response:
        return problem_response(request, gs1_error_as_problem(exc, field="gs1"))

    @app.exception_handler(LabelError)
    async def _label(request: Request, exc: LabelError) -> Response:
        error = InvalidInput(exc.message_vi, exc.message_en, field=exc.field or "label")
        return problem_response(request, error)

    # The database refused what the checks let through: bad input (a NUL character, a
    # number out of its column's range) or a conflict they could not see coming (a
    # record written meanwhile by another request, a rule the database enforces at
    # commit). Either way the client's data, not the server, is at fault.
    refusals: dict[type[Exception], TruyxuatError] = {
        DataError: InvalidInput(
            "Dữ liệu có ký tự hoặc giá trị không hợp lệ.",
            "The data holds a character or value that is not allowed.",
        ),
        IntegrityError: Conflict(
            "Dữ liệu xung đột với dữ liệu vừa được lưu. Hãy tải lại và thử lại.",
            "The data conflicts with data stored meanwhile. Reload and try again.",
        ),
    }

    @app.exception_handler(DataError)
    @app.exception_handler(IntegrityError)
    async def _refused(request: Request, exc: DBAPIError) -> Response:
        log.info("database refused a write on %s: %s", request.url.path, exc.orig)
        error = next(error for kind, error in refusals.items() if isinstance(exc, kind))
        return problem_response(request, error)

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _database_unavailable(request: Request, exc: Exception) -> Response:
        # The database is down, restarting or out of connections: a passing state the
        # client should retry, as /readyz tells the load balancer; not a server bug.
        log.warning("database unavailable on %s: %s", request.url.path, exc)
        error = TruyxuatError(
            "Cơ sở dữ liệu tạm thời không phản hồi. Xin thử lại sau giây lát.",
            "The database is temporarily unavailable. Please try again shortly.",
        )
        error.status = 503
        error.slug = "database-unavailable"
        error.title = "Service unavailable"
        return problem_response(request, error, headers={"Retry-After": "5"})

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return problem_response(request, _validation_problem(exc))

    @app.exception_handler(BodyOverLimit)
    async def _body_over_limit(request: Request, exc: BodyOverLimit) -> Response:
        return problem_response(request, too_large_error(exc.limit))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        vi, en = _HTTP_MESSAGES.get(exc.status_code, (str(exc.detail), str(exc.detail)))
        error = TruyxuatError(vi, en)
        error.status = exc.status_code
        error.slug = "not-found" if exc.status_code == 404 else f"http-{exc.status_code}"
        error.title = NotFound.title if exc.status_code == 404 else str(exc.detail)
        return problem_response(request, error, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        error = TruyxuatError(
            "Đã có lỗi ở máy chủ. Xin thử lại sau.", "Server error. Please try again later."
        )
        error.status = 500
        error.slug = "server-error"
        error.title = "Internal server error"
        return problem_response(request, error)
