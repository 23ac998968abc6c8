"""Text posted through a browser form is held to the rules API bodies are (registry.text):
no control characters, no field longer than MAX_TEXT_LENGTH. A router lists
`refuse_bad_form_text` among its dependencies; uploaded files are not text and pass. A route
of such a router that lists SHOWS_ITS_FORM gets control characters through, and shows its
form again without them (`cleaned_text`) and a message beside each field that held one.

The portal shows its forms again instead: for a route that reads its form through
`clean_form` (service.pages.portal.common) the router refuses only over-long text, and the
route refuses the fields that held a control character on its own form."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from starlette.datastructures import FormData, UploadFile

from registry.errors import FieldProblem, InvalidInput
from registry.text import forbidden_character, forbidden_in, text_problem
from service.deps import SAFE_METHODS

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def shows_its_form() -> None:
    """Marks a route (in its `dependencies`) that shows its form again with a message
    beside each field: control characters reach it, for it to remove and name
    (`cleaned_text`), instead of an error page that loses what was typed."""


SHOWS_ITS_FORM = Depends(shows_its_form)


async def refuse_bad_form_text(request: Request) -> None:
    route = request.scope.get("route")
    shows_form = isinstance(route, APIRoute) and any(
        dependency.call is shows_its_form for dependency in route.dependant.dependencies
    )
    await refuse_form_text(request, controls_too=not shows_form)


async def refuse_form_text(request: Request, *, controls_too: bool) -> None:
    """Without `controls_too`, only over-long text: for a route that refuses control
    characters on its own form."""
    if request.method in SAFE_METHODS:
        return
    if not request.headers.get("content-type", "").startswith(FORM_TYPES):
        return
    # The route's own form parameters were read already; this reuses that parse.
    form = await request.form()
    problems = [
        problem
        for name, value in form.multi_items()
        if isinstance(value, str)
        and (controls_too or forbidden_character(value, field=name) is None)
        and (problem := text_problem(name, value)) is not None
    ]
    if problems:
        first = problems[0]
        raise InvalidInput(first.message_vi, first.message_en, problems=problems)


def control_character_problem(field: str, character: str) -> FieldProblem:
    # Shown under the field's own label (and after it in the error summary), so it does
    # not name the field again, least of all by its code name.
    return FieldProblem(
        field,
        f"Có ký tự điều khiển không nhìn thấy được ({character}), thường do dán từ phần mềm "
        "khác. Đã bỏ ký tự đó; hãy xem lại nội dung rồi gửi lại.",
        f"There was an invisible control character ({character}), usually pasted from "
        "another program. It was removed; check the text and send again.",
    )


def clean_form(form: FormData) -> tuple[FormData, list[FieldProblem]]:
    """The form with control characters removed from its text, and one problem per field
    that held any (the first such character named)."""
    items: list[tuple[str, str | UploadFile]] = []
    problems: dict[str, FieldProblem] = {}
    for name, value in form.multi_items():
        if isinstance(value, str) and (character := forbidden_character(value, field=name)):
            problems.setdefault(name, control_character_problem(name, character))
            value = forbidden_in(name).sub("", value)
        items.append((name, value))
    return FormData(items), list(problems.values())


def cleaned_text(values: dict[str, str]) -> tuple[dict[str, str], InvalidInput | None]:
    """`values` without their control characters, and the refusal naming each field that
    held any (None when none did): for a route that shows its form again."""
    form, problems = clean_form(FormData(list(values.items())))
    cleaned = {name: value for name, value in form.items() if isinstance(value, str)}
    if not problems:
        return cleaned, None
    first = problems[0]
    return cleaned, InvalidInput(first.message_vi, first.message_en, problems=problems)
