"""The last check before any write reaches the database: every value fits its column.

Request bodies and forms are checked where they arrive (registry.schemas.In,
service.pages.form_text); this catches what other paths bring (spreadsheet imports,
EPCIS documents, the command line) with the same message on SQLite and PostgreSQL,
instead of an error only PostgreSQL raises and only at commit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, Integer, Numeric, String, event, inspect
from sqlalchemy.orm import Mapper, Session

from registry.errors import FieldProblem, InvalidInput

# What PostgreSQL refuses in any text: NUL, and lone surrogates (not UTF-8).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
INTEGER_RANGE = {Integer: 2**31 - 1, BigInteger: 2**63 - 1}

Check = Callable[[Any], tuple[str, str] | None]


def _text_check(length: int | None) -> Check:
    def check(value: Any) -> tuple[str, str] | None:
        if not isinstance(value, str):
            return None
        if UNSTORABLE.search(value):
            return ("chứa ký tự không lưu được (NUL)", "holds a character that cannot be stored")
        if length is not None and len(value) > length:
            return (f"dài tối đa {length} ký tự", f"is at most {length} characters long")
        return None

    return check


def _number_check(limit: int | Decimal) -> Check:
    def check(value: Any) -> tuple[str, str] | None:
        if isinstance(value, int | Decimal) and not -limit < value < limit:
            return (f"phải nhỏ hơn {limit:,}", f"must be less than {limit:,}")
        return None

    return check


def _column_check(column_type: Any) -> Check | None:
    if isinstance(column_type, String):
        return _text_check(column_type.length)
    if isinstance(column_type, Numeric) and column_type.precision is not None:
        scale = column_type.scale or 0
        return _number_check(Decimal(10) ** (column_type.precision - scale))
    for kind, largest in INTEGER_RANGE.items():
        if type(column_type) is kind:
            return _number_check(largest + 1)
    return None


@cache
def _checks(mapper: Mapper[Any]) -> tuple[tuple[str, Check], ...]:
    found = []
    for attribute in mapper.column_attrs:
        column = attribute.columns[0]
        check = _column_check(getattr(column.type, "impl_instance", column.type))
        if check is not None:
            found.append((attribute.key, check))
    return tuple(found)


def _refuse_what_cannot_be_stored(session: Session, *_: Any) -> None:
    problems: list[FieldProblem] = []
    for record in (*session.new, *session.dirty):
        state = inspect(record)
        for key, check in _checks(state.mapper):
            said = check(state.dict.get(key))
            if said is not None:
                problems.append(
                    FieldProblem(key, f"Trường '{key}' {said[0]}.", f"'{key}' {said[1]}.")
                )
    if problems:
        first = problems[0]
        raise InvalidInput(first.message_vi, first.message_en, problems=problems)


def install() -> None:
    if not event.contains(Session, "before_flush", _refuse_what_cannot_be_stored):
        event.listen(Session, "before_flush", _refuse_what_cannot_be_stored)
