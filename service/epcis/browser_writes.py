"""EPCIS writes from a browser session: a JSON body or the session's CSRF token, and an
Origin (or Referer) that is this registry's own base URL.

The EPCIS bindings read the raw body, so FastAPI's JSON content-type check does not
protect them: a cross-site form can post `text/plain` with the victim's cookie. API keys
are not sent by browsers on their own, so requests that carry one are unaffected.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request

from registry.errors import Forbidden
from service.auth import csrf_valid
from service.deps import SESSION_USER_KEY, get_settings

CSRF_HEADER = "x-csrf-token"
JSON_TYPES = frozenset({"application/json", "application/ld+json"})


def _origin(url: str) -> str | None:
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.hostname:
        return None
    default_port = {"http": 80, "https": 443}.get(parts.scheme.lower())
    port = parts.port if parts.port not in (None, default_port) else None
    host = parts.hostname.lower()
    return f"{parts.scheme.lower()}://{host}" + (f":{port}" if port else "")


def _carries_api_key(request: Request) -> bool:
    authorization = request.headers.get("authorization", "")
    return authorization.lower().startswith("bearer ") or bool(request.headers.get("x-api-key"))


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type in JSON_TYPES or media_type.endswith("+json")


def refuse_cross_site_writes(request: Request) -> None:
    """Dependency of the EPCIS write routes."""
    if _carries_api_key(request):
        return
    session = request.scope.get("session") or {}
    if SESSION_USER_KEY not in session:
        return
    expected = _origin(get_settings(request).public_base_url)
    sent = request.headers.get("origin") or request.headers.get("referer") or ""
    if sent.strip().lower() == "null" or _origin(sent) != expected:
        raise Forbidden(
            "Yêu cầu ghi sự kiện từ trình duyệt phải xuất phát từ chính trang "
            f"{expected} (tiêu đề Origin).",
            f"A browser request that writes events must come from {expected} itself "
            "(the Origin header).",
            field="Origin",
        )
    if not _is_json(request.headers.get("content-type", "")) and not csrf_valid(
        request, request.headers.get(CSRF_HEADER)
    ):
        raise Forbidden(
            "Yêu cầu ghi sự kiện từ trình duyệt phải gửi nội dung JSON "
            "(Content-Type: application/json hoặc application/ld+json) hoặc kèm mã CSRF "
            "(tiêu đề X-CSRF-Token).",
            "A browser request that writes events must send JSON "
            "(Content-Type: application/json or application/ld+json) or the CSRF token "
            "(X-CSRF-Token header).",
            field="Content-Type",
        )
