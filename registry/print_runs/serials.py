"""Unguessable serial numbers (AI 21) derived from a per-run secret key.

A serial is 6 characters of index followed by 10 characters of an HMAC-SHA-256
over GTIN, lot and index: 50 bits that a counterfeiter holding genuine labels
cannot predict for another index (DESIGN §6 asks for at least 40). The alphabet
is Crockford's base 32, a subset of CSET 82 with no look-alike letters.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator

from registry.fast_hmac import hmac_sha256

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
INDEX_LENGTH = 6
MAC_LENGTH = 10
SERIAL_LENGTH = INDEX_LENGTH + MAC_LENGTH
MAX_INDEX = 32**INDEX_LENGTH - 1
_DECODE = {char: value for value, char in enumerate(ALPHABET)}


def _base32(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, digit = divmod(number, 32)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def _mac(key: bytes, gtin: str, lot: str, index: int) -> str:
    digest = hmac_sha256(key, f"{gtin}\x1d{lot}\x1d{index}".encode())
    return _base32(int.from_bytes(digest[:8], "big") >> 14, MAC_LENGTH)


def make_serial(key: bytes, *, gtin: str, lot: str, index: int) -> str:
    if not 0 <= index <= MAX_INDEX:
        raise ValueError(f"serial index {index} out of range")
    return _base32(index, INDEX_LENGTH) + _mac(key, gtin, lot, index)


def serials(key: bytes, *, gtin: str, lot: str, first_index: int, count: int) -> Iterator[str]:
    for index in range(first_index, first_index + count):
        yield make_serial(key, gtin=gtin, lot=lot, index=index)


def serial_index(serial: str) -> int | None:
    """The index a serial claims, or None when it cannot be one of ours."""
    if len(serial) != SERIAL_LENGTH:
        return None
    index = 0
    for char in serial[:INDEX_LENGTH]:
        value = _DECODE.get(char)
        if value is None:
            return None
        index = index * 32 + value
    if not _DECODE.keys() >= set(serial[INDEX_LENGTH:]):
        return None
    return index


def is_authentic(key: bytes, *, gtin: str, lot: str, serial: str) -> bool:
    index = serial_index(serial)
    if index is None:
        return False
    return hmac.compare_digest(serial[INDEX_LENGTH:], _mac(key, gtin, lot, index))
