"""The Jinja2 environment: autoescaped, with the translation function `_`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from registry.text import format_quantity
from registry.units import unit_name
from registry.vn.clock import vietnam_date, vietnam_time
from service.i18n import request_language, translate

TEMPLATES_DIR = Path(__file__).parent / "templates"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.autoescape = True
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True
# Templates ship with the package; checking their files for changes on every render costs
# a system call per template, on the consumer page's hot path.
templates.env.auto_reload = False
templates.env.filters["quantity"] = format_quantity
templates.env.filters["unit_name"] = unit_name
templates.env.filters["vietnam_time"] = vietnam_time
templates.env.filters["vietnam_date"] = vietnam_date


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    lang = request_language(request)
    values: dict[str, Any] = {
        "lang": lang,
        "_": lambda text: translate(text, lang),
        "csrf_token": request.scope.get("session", {}).get("csrf", ""),
    }
    values.update(context or {})
    response = templates.TemplateResponse(
        request, name, values, status_code=status_code, headers=headers
    )
    response.headers.setdefault("Content-Language", lang)
    return response


def render_fragment(name: str, context: dict[str, Any], *, lang: str) -> Markup:
    """A template rendered outside any response, to be placed in a page as it is."""
    values: dict[str, Any] = {"lang": lang, "_": lambda text: translate(text, lang)}
    values.update(context)
    return Markup(templates.env.get_template(name).render(values))
