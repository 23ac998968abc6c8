"""HMAC-SHA-256 (RFC 2104) for keys used again and again: each key's padded inner and
outer hashes are computed once and copied per message.

`hmac.digest` looks the digest up and hashes both key pads on every call, most of
its cost on short messages (OpenSSL 3: about 9 µs against 2.5 µs here). Every scan
takes two: its serial's MAC and its device hash. The result is the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

# RFC 2104 §2: B, the block size of SHA-256 in bytes, and the two pads.
_BLOCK_SIZE = 64
_INNER_PAD = bytes(x ^ 0x36 for x in range(256))
_OUTER_PAD = bytes(x ^ 0x5C for x in range(256))


@functools.lru_cache(maxsize=1024)
def _padded(key: bytes) -> tuple[Any, Any]:
    if len(key) > _BLOCK_SIZE:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK_SIZE, b"\0")
    return hashlib.sha256(key.translate(_INNER_PAD)), hashlib.sha256(key.translate(_OUTER_PAD))


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """The same as `hmac.digest(key, message, "sha256")`."""
    inner_start, outer_start = _padded(key)
    inner = inner_start.copy()
    inner.update(message)
    outer = outer_start.copy()
    outer.update(inner.digest())
    return bytes(outer.digest())
