"""Named queries (REST binding /queries): a SimpleEventQuery kept under a name.

Names live in their owner's namespace (one enterprise, or the agency): another
enterprise's query answers as missing. A named query returns what its caller's own
events query would: visibility is applied when it runs, never stored with it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.errors import Conflict, InvalidInput, NotFound
from registry.events.query import EventQuery
from registry.subscriptions.models import QUERY_NAME_LENGTH, NamedQuery

# URL-unreserved characters (RFC 3986 §2.3): the name is a path segment as it is.
_NAME: Final = re.compile(rf"[A-Za-z0-9._~-]{{1,{QUERY_NAME_LENGTH}}}")
MAX_PARAMETERS: Final = 60
MAX_VALUES: Final = 1000
VALUE_LENGTH: Final = 500
# Paging belongs to a request, not to the query kept.
_NOT_STORED: Final = ("perPage", "nextPageToken")


class InvalidQueryDefinition(InvalidInput):
    """A named query's definition the binding's schema or the query would refuse."""

    status = 400
    slug = "epcis-query-definition"
    title = "Invalid EPCIS query definition"


def _bad(field: str, vi: str, en: str) -> InvalidQueryDefinition:
    return InvalidQueryDefinition(vi, en, field=field)


def owner_of(actor: Actor) -> str:
    """The namespace of the actor's named queries and subscriptions."""
    if actor.is_agency:
        return "agency"
    if actor.enterprise_id is None:
        raise NotFound("Không tìm thấy truy vấn.", "Query not found.")
    return f"enterprise:{actor.enterprise_id}"


def _text(name: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, str | int | float | Decimal):
        text = str(value)
        if "|" in text or len(text) > VALUE_LENGTH:
            raise _bad(
                f"query.{name}",
                f"query.{name}: giá trị dài tối đa {VALUE_LENGTH} ký tự, không chứa “|”.",
                f"query.{name}: values have at most {VALUE_LENGTH} characters and no “|”.",
            )
        return text
    raise _bad(
        f"query.{name}",
        f"query.{name} phải là chuỗi, số hoặc danh sách các giá trị đó.",
        f"query.{name} must be a string, a number or a list of them.",
    )


def query_parameters(query: object) -> dict[str, str]:
    """The JSON query (query-schema.json) as the REST query parameters it stands for,
    checked by the same reader as GET /events: the same names, values and errors."""
    if not isinstance(query, Mapping):
        raise _bad("query", "query phải là một đối tượng JSON.", "query must be a JSON object.")
    if len(query) > MAX_PARAMETERS:
        raise _bad(
            "query",
            f"Truy vấn có tối đa {MAX_PARAMETERS} tham số.",
            f"A query has at most {MAX_PARAMETERS} parameters.",
        )
    parameters: dict[str, str] = {}
    values = 0
    for name, value in query.items():
        if name == "@context":
            continue
        if name in _NOT_STORED:
            raise _bad(
                f"query.{name}",
                f"{name} thuộc về từng lần hỏi, không lưu trong truy vấn.",
                f"{name} belongs to a request, not to a stored query.",
            )
        items = value if isinstance(value, list) else [value]
        values += len(items)
        if values > MAX_VALUES:
            raise _bad(
                f"query.{name}",
                f"Truy vấn có tối đa {MAX_VALUES} giá trị.",
                f"A query has at most {MAX_VALUES} values.",
            )
        parameters[name] = "|".join(_text(name, item) for item in items)
    EventQuery.from_parameters(parameters)
    return parameters


def create_named_query(session: Session, *, actor: Actor, definition: Any, most: int) -> NamedQuery:
    if not isinstance(definition, Mapping):
        raise _bad("", "Cần một đối tượng {name, query}.", "A {name, query} object is required.")
    name = definition.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise _bad(
            "name",
            f"name: 1–{QUERY_NAME_LENGTH} ký tự chữ cái, chữ số hoặc . _ ~ -.",
            f"name: 1–{QUERY_NAME_LENGTH} letters, digits or . _ ~ -.",
        )
    if "query" not in definition:
        raise _bad("query", "Thiếu query.", "query is missing.")
    unknown = sorted(set(definition) - {"name", "query"})
    if unknown:
        raise _bad(
            unknown[0], f"Trường không được nhận: {unknown[0]}.", f"Unknown field: {unknown[0]}."
        )
    query_parameters(definition["query"])
    owner = owner_of(actor)
    if session.scalar(
        select(NamedQuery.id).where(NamedQuery.owner == owner, NamedQuery.name == name)
    ):
        raise _exists(name)
    count = (
        session.scalar(
            select(func.count()).select_from(NamedQuery).where(NamedQuery.owner == owner)
        )
        or 0
    )
    if count >= most:
        raise _bad(
            "name",
            f"Đã có {count} truy vấn được lưu; tối đa {most}. Hãy xóa truy vấn không dùng.",
            f"{count} queries are kept already; at most {most}. Delete one no longer used.",
        )
    named = NamedQuery(
        owner=owner, name=name, query=dict(definition["query"]), created_by=actor.label
    )
    try:
        with session.begin_nested():
            session.add(named)
            session.flush()
    except IntegrityError as exc:  # the same name created at the same moment
        raise _exists(name) from exc
    return named


def _exists(name: str) -> Conflict:
    return Conflict(
        f"Đã có truy vấn tên {name}.", f"A query named {name} exists already.", field="name"
    )


def named_queries(session: Session, *, actor: Actor) -> list[NamedQuery]:
    owner = owner_of(actor)
    return list(
        session.scalars(
            select(NamedQuery).where(NamedQuery.owner == owner).order_by(NamedQuery.name)
        )
    )


def find_named_query(session: Session, *, actor: Actor, name: str) -> NamedQuery:
    named = session.scalar(
        select(NamedQuery).where(NamedQuery.owner == owner_of(actor), NamedQuery.name == name)
    )
    if named is None:
        raise NotFound(f"Không tìm thấy truy vấn {name[:100]}.", f"Query {name[:100]} not found.")
    return named
