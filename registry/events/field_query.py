"""SimpleEventQuery parameters that look inside the stored event document (EPCIS 2.0
§8.2.7.1): extension fields (EQ_/EXISTS_ with INNER_ and ILMD_), persistent
disposition, and the error declaration's reason and corrective event IDs.

Each is one SQL condition over the JSON document: `jsonb_path_query` on PostgreSQL,
`json_tree` on SQLite; both compare the text of a scalar.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Final, Literal

from sqlalchemy import Boolean, ColumnElement, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from registry.events.models import EpcisEvent

# Where a field sits: a member of the event, of its ILMD, or nested deeper in a
# top-level extension ("inner") or in an ILMD field ("inner_ilmd"); or an element of a
# list of the event's own (persistentDisposition.set, errorDeclaration.correctiveEventIDs).
Place = Literal["top", "ilmd", "inner", "inner_ilmd", "member", "list"]
_EMPTY_JSON: Final = ("null", "[]", "{}", '""')


@dataclass(frozen=True)
class FieldCondition:
    place: Place
    name: str
    """The member's key; for "member" and "list", its dotted path in the event."""
    values: tuple[str, ...] | None = None
    """Any of these texts; None: the field exists and is not empty."""


class _FieldMatch(ColumnElement[bool]):
    inherit_cache = False
    type = Boolean()

    def __init__(self, condition: FieldCondition) -> None:
        self.condition = condition


def _quoted(name: str) -> str:
    # Names are checked against query._FIELD_NAME (no quotes or backslashes) before here.
    return '"' + name + '"'


@compiles(_FieldMatch, "postgresql")
def _postgresql(element: _FieldMatch, compiler: SQLCompiler, **kw: Any) -> str:
    condition = element.condition
    document = compiler.process(EpcisEvent.__table__.c.document, **kw)
    name = _quoted(condition.name)
    source = f"{document}"
    where = ""
    if condition.place == "top":
        path = f"$.{name}"
    elif condition.place == "ilmd":
        path = f"$.ilmd.{name}"
    elif condition.place == "inner_ilmd":
        path = f"$.ilmd.*.**.{name}"
    elif condition.place == "inner":
        # Below any top-level member but the ILMD, at any depth.
        source, path, where = "top_member.value", f"$.**.{name}", " AND top_member.key <> 'ilmd'"
    else:
        dotted = ".".join(_quoted(part) for part in condition.name.split("."))
        path = f"$.{dotted}" + ("[*]" if condition.place == "list" else "")
    path_sql = compiler.process(bindparam(None, path), **kw)
    members = f"jsonb_each({document}) AS top_member, " if condition.place == "inner" else ""
    found = f"jsonb_path_query({source}, CAST({path_sql} AS jsonpath)) AS found(value)"
    if condition.values is None:
        empty = ", ".join(f"'{e}'::jsonb" for e in _EMPTY_JSON)
        test = f"found.value NOT IN ({empty})"
    else:
        values = compiler.process(bindparam(None, json.dumps(condition.values)), **kw)
        test = (
            f"found.value #>> '{{}}' IN (SELECT jsonb_array_elements_text(CAST({values} AS jsonb)))"
        )
    return f"EXISTS (SELECT 1 FROM {members}{found} WHERE {test}{where})"


def _sqlite_place(condition: FieldCondition) -> tuple[str, str]:
    """(json_tree root, condition on the row's path and key) for a place."""
    key = "node.key = :name"
    ilmd = "(node.path = '$.ilmd' OR node.path LIKE '$.ilmd.%' OR node.path LIKE '$.ilmd[%')"
    if condition.place == "top":
        return "$", f"node.path = '$' AND {key}"
    if condition.place == "ilmd":
        return "$", f"node.path = '$.ilmd' AND {key}"
    if condition.place == "inner_ilmd":
        return "$", f"(node.path LIKE '$.ilmd.%' OR node.path LIKE '$.ilmd[%') AND {key}"
    if condition.place == "inner":
        return "$", f"node.path <> '$' AND NOT {ilmd} AND {key}"
    # Standard member names only here: json_tree spells them unquoted in its paths.
    parent, _, last = condition.name.rpartition(".")
    root = "$" + "".join(f".{part}" for part in parent.split(".") if part)
    if condition.place == "list":
        whole = root + f".{last}"
        return whole, f"node.path = '{whole}' AND node.type NOT IN ('array', 'object')"
    return root, f"node.path = '{root}' AND node.key = '{last}'"


@compiles(_FieldMatch, "sqlite")
def _sqlite(element: _FieldMatch, compiler: SQLCompiler, **kw: Any) -> str:
    condition = element.condition
    document = compiler.process(EpcisEvent.__table__.c.document, **kw)
    root, where = _sqlite_place(condition)
    name = compiler.process(bindparam(None, condition.name), **kw)
    where = where.replace(":name", name)
    if condition.values is None:
        test = (
            "node.type <> 'null' AND COALESCE(CAST(node.atom AS TEXT), 'x') <> ''"
            " AND (node.atom IS NOT NULL OR node.value NOT IN ('[]', '{}'))"
        )
    else:
        values = compiler.process(bindparam(None, json.dumps(condition.values)), **kw)
        test = (
            "node.atom IS NOT NULL"
            f" AND CAST(node.atom AS TEXT) IN (SELECT value FROM json_each({values}))"
        )
    return (
        f"EXISTS (SELECT 1 FROM json_tree({document}, '{root}') AS node WHERE {where} AND {test})"
    )


def field_filter(condition: FieldCondition) -> ColumnElement[bool]:
    return _FieldMatch(condition)


class _DeclaredBefore(ColumnElement[bool]):
    """errorDeclaration.declarationTime compared with a moment (GE_ or LT_)."""

    inherit_cache = False
    type = Boolean()

    def __init__(self, comparison: str, moment: dt.datetime) -> None:
        self.comparison = comparison
        self.moment = moment


@compiles(_DeclaredBefore, "postgresql")
def _declared_postgresql(element: _DeclaredBefore, compiler: SQLCompiler, **kw: Any) -> str:
    document = compiler.process(EpcisEvent.__table__.c.document, **kw)
    moment = compiler.process(bindparam(None, element.moment), **kw)
    operator = ">=" if element.comparison == "GE" else "<"
    stored = f"CAST({document} -> 'errorDeclaration' ->> 'declarationTime' AS timestamptz)"
    return f"{stored} {operator} {moment}"


@compiles(_DeclaredBefore, "sqlite")
def _declared_sqlite(element: _DeclaredBefore, compiler: SQLCompiler, **kw: Any) -> str:
    document = compiler.process(EpcisEvent.__table__.c.document, **kw)
    # SQLite's date functions read an ISO 8601 offset (or Z) and compare in UTC.
    moment = compiler.process(bindparam(None, element.moment.isoformat()), **kw)
    operator = ">=" if element.comparison == "GE" else "<"
    stored = f"julianday(json_extract({document}, '$.errorDeclaration.declarationTime'))"
    return f"{stored} {operator} julianday({moment})"


def declared(comparison: str, moment: dt.datetime) -> ColumnElement[bool]:
    return _DeclaredBefore(comparison, moment)
