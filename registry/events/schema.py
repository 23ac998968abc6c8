"""Validation against the EPCIS 2.0 JSON Schema (Draft 7, formats checked).

A compiled validator (fastjsonschema) accepts or refuses each event quickly; for the
events it refuses, the reference validator (jsonschema, with rfc3987 URI checking)
explains every problem with its path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import fastjsonschema

if TYPE_CHECKING:
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_FILE: Final = Path(__file__).with_name("epcis-json-schema-2.0.json")


@dataclass(frozen=True)
class SchemaProblem:
    path: str
    """Where, relative to what was validated, as `a.b[2].c` ('' for the root)."""
    message_vi: str
    message_en: str


@cache
def epcis_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


def _part_schema(definition: str) -> dict[str, Any]:
    schema = epcis_schema()
    return {
        "$schema": schema["$schema"],
        "definitions": schema["definitions"],
        "$ref": f"#/definitions/{definition}",
    }


def _envelope_schema() -> dict[str, Any]:
    """The document schema with events left to the per-event check."""
    schema: dict[str, Any] = json.loads(json.dumps(epcis_schema()))
    schema["definitions"]["eventList"] = {"type": "array"}
    return schema


def _names_first(property_names: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    """`propertyNames` as one list of standard names tried before the URI branch.

    The schema says "a common event field, or a URI, or one of this type's own fields":
    tried in that order, every own field fails two branches first, and each failed branch
    of the compiled check raises an exception (about 26 per ObjectEvent). The union is
    the same in any order, so the names allowed are the same.
    """
    names: list[str] = []
    others: list[dict[str, Any]] = []
    branches = list(property_names["anyOf"])
    while branches:
        branch = branches.pop(0)
        if branch.keys() == {"$ref"} and branch["$ref"].startswith("#/definitions/"):
            target = definitions[branch["$ref"].removeprefix("#/definitions/")]
            if target.keys() == {"anyOf"}:
                branches[:0] = target["anyOf"]
                continue
        if branch.keys() == {"type", "enum"} and branch["type"] == "string":
            names += branch["enum"]
        elif branch not in others:
            others.append(branch)
    return {"anyOf": [{"type": "string", "enum": names}, *others]}


@cache
def _fast_schema() -> dict[str, Any]:
    """The schema the compiled check reads: the same acceptance, fewer failed branches.

    An `anyOf` is a union, so the order of its branches changes nothing but how many
    fail (each failure an exception) before one matches.
    """
    schema: dict[str, Any] = json.loads(json.dumps(epcis_schema()))
    definitions = schema["definitions"]

    def rewrite(node: Any) -> None:
        if isinstance(node, dict):
            names = node.get("propertyNames")
            if isinstance(names, dict) and "anyOf" in names:
                node["propertyNames"] = _names_first(names, definitions)
            if isinstance(node.get("anyOf"), list):
                # bizStep, disposition...: the term list before the URI branch, as above.
                node["anyOf"].sort(key=lambda branch: "enum" not in branch)
            for value in node.values():
                rewrite(value)
        elif isinstance(node, list):
            for value in node:
                rewrite(value)

    rewrite(schema)
    return schema


@cache
def _fast(kind: str) -> Callable[[Any], Any]:
    """The compiled check of the whole document, of its envelope, or of one definition."""
    fast_schema = _fast_schema()
    if kind == "document":
        schema = fast_schema
    elif kind == "envelope":
        schema = json.loads(json.dumps(fast_schema))
        schema["definitions"]["eventList"] = {"type": "array"}
    else:
        schema = {
            "$schema": fast_schema["$schema"],
            "definitions": fast_schema["definitions"],
            "$ref": f"#/definitions/{kind}",
        }

    def local(uri: str) -> dict[str, Any]:
        if uri.split("#")[0] != fast_schema["$id"]:
            raise LookupError(uri)
        return fast_schema

    return fastjsonschema.compile(schema, handlers={"https": local})


@cache
def _reference(kind: str) -> Draft7Validator:
    # Imported only to explain a refused event: jsonschema and its format checkers take
    # ~0.1 s to import, which every process importing the app would otherwise pay.
    from jsonschema import Draft7Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    if kind == "document":
        schema = epcis_schema()
    elif kind == "envelope":
        schema = _envelope_schema()
    else:
        schema = _part_schema("EPCIS-Document-Event")
    original = epcis_schema()
    # Some definitions refer to others by the schema's absolute $id: resolve it locally.
    registry: Registry[Any] = Registry().with_resource(
        original["$id"], Resource.from_contents(original, default_specification=DRAFT7)
    )
    return Draft7Validator(schema, format_checker=FormatChecker(), registry=registry)


def _is_valid(kind: str, data: Any) -> bool:
    try:
        _fast(kind)(data)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def _event_is_valid(event: Any) -> bool:
    """`EPCIS-Document-Event`, dispatched here on `type`.

    In the schema it is an if/then per event type; compiled, each `if` that does not match
    raises an exception. One check per type, chosen by the same rule, accepts the same.
    """
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return False
    kind = event["type"] if event["type"] in EVENT_TYPES else "Extended-Event"
    return _is_valid(kind, event)


def envelope_problems(document: Any) -> list[SchemaProblem]:
    if _is_valid("envelope", document):
        return []
    return list(_problems(_reference("envelope"), document))


def event_problems(event: Any, *, standalone: bool = False) -> list[SchemaProblem]:
    """Problems of one event: an eventList item, or (standalone) a whole request body."""
    kind = "document" if standalone else "event"
    if _is_valid("document", event) if standalone else _event_is_valid(event):
        return []
    problems = list(_problems(_reference(kind), event))
    # fastjsonschema and jsonschema read some formats differently; trust the one that
    # complains, so that nothing the compiled check refused is ever stored.
    return problems or [
        SchemaProblem(
            "",
            "Sự kiện không đúng lược đồ EPCIS 2.0.",
            "The event does not follow the EPCIS 2.0 schema.",
        )
    ]


def _path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _problems(validator: Draft7Validator, data: Any) -> Iterator[SchemaProblem]:
    seen: set[tuple[str, str]] = set()
    for error in validator.iter_errors(data):
        problem = _explain(error)
        if (problem.path, problem.message_en) not in seen:
            seen.add((problem.path, problem.message_en))
            yield problem


_VOCABULARY_FIELDS: Final = {
    "bizStep": ("bước nghiệp vụ", "commissioning, shipping, receiving …"),
    "disposition": ("trạng thái", "active, in_transit, recalled …"),
}


EVENT_TYPES: Final = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)


@cache
def _event_types_with_field(name: str) -> tuple[str, ...]:
    """Event types whose own field list (the `propertyNames` enum of the schema) has `name`."""
    definitions = epcis_schema()["definitions"]
    found = []
    for event_type in EVENT_TYPES:
        own_fields = definitions[event_type]["allOf"][1]["propertyNames"]["anyOf"][1]["enum"]
        if name in own_fields:
            found.append(event_type)
    return tuple(found)


def _unknown_field(path: str, name: str) -> SchemaProblem:
    where = f"{path}.{name}" if path else name
    types = _event_types_with_field(name)
    if types:
        # e.g. persistentDisposition: EPCIS 2.0 §7.3.6.2.2 leaves it out of the event
        # types whose set/unset would not say which objects it applies to.
        listed = ", ".join(types)
        return SchemaProblem(
            where,
            f"Trường '{name}' không thuộc loại sự kiện này; EPCIS 2.0 chỉ cho phép nó trong "
            f"{listed}.",
            f"Field '{name}' is not a field of this event type; EPCIS 2.0 allows it only in "
            f"{listed}.",
        )
    return SchemaProblem(
        where,
        f"Trường '{name}' không phải trường EPCIS 2.0 ở đây; trường mở rộng của người dùng "
        f"phải có không gian tên (JSON: tiền tố khai báo trong @context, ví dụ ex:{name}; "
        "XML: phần tử thuộc không gian tên XML riêng).",
        f"Field '{name}' is not an EPCIS 2.0 field here; a user extension field needs a "
        f"namespace (JSON: a prefix declared in @context, e.g. ex:{name}; XML: an element "
        "in its own XML namespace).",
    )


# The JSON schema's `vocab-other-uri` refuses CBV values spelled as URIs: in JSON a CBV
# value is the bare term (the XML binding's URN forms are for XML only).
_CBV_URI: Final = re.compile(r"^(?:urn:epcglobal:cbv:[a-z]+:|https?://ns\.gs1\.org/cbv/\w+-)(.+)$")


def _explain(error: ValidationError) -> SchemaProblem:
    path = _path(error.absolute_path)
    if "propertyNames" in error.absolute_schema_path and isinstance(error.instance, str):
        return _unknown_field(path, error.instance)
    if isinstance(error.instance, str) and (cbv := _CBV_URI.match(error.instance)):
        return SchemaProblem(
            path,
            f"{error.instance!r}: trong JSON, giá trị CBV viết bằng thuật ngữ ngắn "
            f"'{cbv.group(1)}', không phải dạng URI.",
            f"{error.instance!r}: in JSON a CBV value is written as the bare term "
            f"'{cbv.group(1)}', not as a URI.",
        )
    last = error.absolute_path[-1] if error.absolute_path else None
    if isinstance(last, str) and last in _VOCABULARY_FIELDS and error.validator == "anyOf":
        what, examples = _VOCABULARY_FIELDS[last]
        return SchemaProblem(
            path,
            f"{last} = {error.instance!r}: {what} phải là một thuật ngữ CBV 2.0 ({examples}) "
            "hoặc một URI đầy đủ. CBV không có 'harvesting'; thu hoạch dùng 'commissioning'.",
            f"{last} = {error.instance!r}: must be a CBV 2.0 term ({examples}) or a full URI.",
        )
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        return SchemaProblem(
            path, f"Thiếu trường bắt buộc '{missing}'.", f"Required field '{missing}' is missing."
        )
    if error.validator == "format":
        return SchemaProblem(
            path,
            f"Giá trị {error.instance!r} không đúng định dạng {error.validator_value}.",
            f"{error.instance!r} is not a valid {error.validator_value}.",
        )
    return SchemaProblem(
        path,
        f"Không đúng lược đồ EPCIS 2.0: {error.message}",
        f"Does not follow the EPCIS 2.0 schema: {error.message}",
    )
