"""An EPCIS request body before it is read as a document: its size and its nesting.

Both are bounded before any validation runs: the schema validators and the event hash
recurse once per level, so a body nested a few hundred levels deep would exhaust the
stack (a 500) instead of being refused.
"""

from __future__ import annotations

import json
from typing import Any, Final

from registry.errors import FieldProblem
from registry.events.capture import CaptureLimitExceeded, InvalidEpcisDocument

# EPCIS events nest a handful of levels (sensorElementList → sensorReport → value; in
# XML a few more); user extensions get room to spare. The same bound for JSON and XML.
MAX_DEPTH: Final = 64


def body_too_large(limit_bytes: int) -> CaptureLimitExceeded:
    megabytes = limit_bytes / (1024 * 1024)
    return CaptureLimitExceeded(
        f"Nội dung gửi lên vượt quá {megabytes:g} MB ({limit_bytes} byte). "
        "Hãy chia tài liệu thành nhiều lần gửi.",
        f"The request body exceeds {megabytes:g} MB ({limit_bytes} bytes). "
        "Split the document into several captures.",
        field="body",
    )


def too_deep(notation: str) -> InvalidEpcisDocument:
    return InvalidEpcisDocument(
        f"{notation} lồng nhau quá {MAX_DEPTH} cấp.",
        f"The {notation} nests more than {MAX_DEPTH} levels deep.",
        field="body",
    )


def read_epcis_json(raw: bytes) -> Any:
    """The parsed body, refused with 400 when it is not JSON or nests too deeply."""
    try:
        value = json.loads(raw)
    except RecursionError as exc:
        raise too_deep("JSON") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        message = getattr(exc, "msg", str(exc))
        raise InvalidEpcisDocument(
            f"Nội dung gửi lên không phải JSON hợp lệ: {message}.",
            f"The request body is not valid JSON: {message}.",
            problems=[FieldProblem("body", "JSON không hợp lệ.", "Malformed JSON.")],
        ) from exc
    if _nests_deeper_than(value, MAX_DEPTH):
        raise too_deep("JSON")
    return value


def _nests_deeper_than(value: Any, limit: int) -> bool:
    # Iterative: a recursive walk would hit the very limit it guards against.
    containers: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, dict | list) else []
    while containers:
        item, depth = containers.pop()
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                containers.append((child, depth + 1))
    return False
