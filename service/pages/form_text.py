"""Text posted through a browser form is held to the rules API bodies are (registry.text):
no control characters, no field longer than MAX_TEXT_LENGTH. A router lists
`refuse_bad_form_text` among its dependencies; uploaded files are not text and pass."""

from __future__ import annotations

from fastapi import Request

from registry.errors import InvalidInput
from registry.text import text_problem
from service.deps import SAFE_METHODS

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def refuse_bad_form_text(request: Request) -> None:
    if request.method in SAFE_METHODS:
        return
    if not request.headers.get("content-type", "").startswith(FORM_TYPES):
        return
    # The route's own form parameters were read already; this reuses that parse.
    form = await request.form()
    problems = [
        problem
        for name, value in form.multi_items()
        if isinstance(value, str) and (problem := text_problem(name, value)) is not None
    ]
    if problems:
        first = problems[0]
        raise InvalidInput(first.message_vi, first.message_en, problems=problems)
