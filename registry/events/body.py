"""An EPCIS request body before it is read as a document: its size and its JSON nesting.

Both are bounded before any validation runs: the schema validators and the event hash
recurse once per level, so a body nested a few hundred levels deep would exhaust the
stack (a 500) instead of being refused.
"""

from __future__ import annotations

import json
from typing import Any, Final

from registry.errors import FieldProblem
from registry.events.capture import CaptureLimitExceeded, InvalidEpcisDocument

# EPCIS events nest a handful of levels (sensorElementList → sensorReport → value);
# user extensions get room to spare.
MAX_JSON_DEPTH: Final = 64


def body_too_large(limit_bytes: int) -> CaptureLimitExceeded:
    megabytes = limit_bytes / (1024 * 1024)
    return CaptureLimitExceeded(
        f"Nội dung gửi lên vượt quá {megabytes:g} MB ({limit_bytes} byte). "
        "Hãy chia tài liệu thành nhiều lần gửi.",
        f"The request body exceeds {megabytes:g} MB ({limit_bytes} bytes). "
        "Split the document into several captures.",
        field="body",
    )


def _too_deep() -> InvalidEpcisDocument:
    return InvalidEpcisDocument(
        f"JSON lồng nhau quá {MAX_JSON_DEPTH} cấp.",
        f"The JSON nests more than {MAX_JSON_DEPTH} levels deep.",
        field="body",
    )


def read_epcis_json(raw: bytes) -> Any:
    """The parsed body, refused with 400 when it is not JSON or nests too deeply."""
    try:
        value = json.loads(raw)
    except RecursionError as exc:
        raise _too_deep() from exc
    except (ValueError, UnicodeDecodeError) as exc:
        message = getattr(exc, "msg", str(exc))
        raise InvalidEpcisDocument(
            f"Nội dung gửi lên không phải JSON hợp lệ: {message}.",
            f"The request body is not valid JSON: {message}.",
            problems=[FieldProblem("body", "JSON không hợp lệ.", "Malformed JSON.")],
        ) from exc
    if _nests_deeper_than(value, MAX_JSON_DEPTH):
        raise _too_deep()
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
