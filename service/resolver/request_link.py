"""The Digital Link a request names, read from the raw request target."""

from __future__ import annotations

import functools
import re

from starlette.requests import Request

from registry.gs1 import GS1Error, LenientResult, parse_digital_link_lenient
from registry.resolution.errors import invalid_digital_link, key_not_first, not_a_uri, too_long

# Longest request target read as a Digital Link: a GTIN with CPV, lot and serial
# plus a dozen attributes stays well under this.
MAX_TARGET_BYTES = 2048
# RFC 3986 §2.1: "%" always starts a two-hex-digit triplet.
_BROKEN_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Labels without a serial are printed alike on every package, and a serial's scans
# come back: the same targets are read again and again. Results are immutable, so
# requests share them; errors are not kept.
PARSED_LINKS_KEPT = 4096
_parsed = functools.lru_cache(maxsize=PARSED_LINKS_KEPT)(parse_digital_link_lenient)


def read_request_link(request: Request, *, base: str, strip_prefix: str = "") -> LenientResult:
    """Parse the request path (percent-encoding as sent, so `%2F` stays inside a value).

    InvalidDigitalLink (400) for anything that is not a valid Digital Link.
    """
    raw_path: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    query: bytes = request.scope.get("query_string", b"")
    if len(raw_path) + len(query) > MAX_TARGET_BYTES:
        raise too_long()
    try:
        path = raw_path.decode("ascii")
        query_text = query.decode("ascii")
    except UnicodeDecodeError as error:
        raise not_a_uri() from error
    if _BROKEN_PERCENT.search(path) or _BROKEN_PERCENT.search(query_text):
        raise not_a_uri()
    if strip_prefix and path.startswith(strip_prefix):
        path = path[len(strip_prefix) :]
    uri = base + path + (f"?{query_text}" if query_text else "")
    try:
        result = _parsed(uri)
    except GS1Error as error:
        raise invalid_digital_link(error) from error
    if result.link.base.rstrip("/") != base.rstrip("/"):
        raise key_not_first()
    return result
