"""Validation against the EPCIS 2.0 JSON Schema (Draft 7, formats checked).

A compiled validator (fastjsonschema) accepts or refuses each event quickly; for the
events it refuses, the reference validator (jsonschema, with rfc3987 URI checking)
explains every problem with its path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import fastjsonschema
from jsonschema import Draft7Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

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


@cache
def _fast(kind: str) -> Callable[[Any], Any]:
    if kind == "document":
        schema = epcis_schema()
    elif kind == "envelope":
        schema = _envelope_schema()
    else:
        schema = _part_schema("EPCIS-Document-Event")
    original = epcis_schema()

    def local(uri: str) -> dict[str, Any]:
        if uri.split("#")[0] != original["$id"]:
            raise LookupError(uri)
        return original

    return fastjsonschema.compile(schema, handlers={"https": local})


@cache
def _reference(kind: str) -> Draft7Validator:
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


def document_is_valid(document: Any) -> bool:
    return _is_valid("document", document)


def envelope_problems(document: Any) -> list[SchemaProblem]:
    if _is_valid("envelope", document):
        return []
    return list(_problems(_reference("envelope"), document))


def event_problems(event: Any, *, standalone: bool = False) -> list[SchemaProblem]:
    """Problems of one event: an eventList item, or (standalone) a whole request body."""
    kind = "document" if standalone else "event"
    if _is_valid(kind, event):
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


def _explain(error: ValidationError) -> SchemaProblem:
    path = _path(error.absolute_path)
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
