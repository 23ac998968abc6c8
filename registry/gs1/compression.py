"""Compressed GS1 Digital Link URIs (GS1 Digital Link 1.1 §8 "compression"): the AIs and
values of a Digital Link packed into a bit string written in the file-safe base64
alphabet, one path segment after the domain (`https://id.gs1.org/ARBAdeagkA`).

Bit layout, element after element: two 4-bit digits that start an AI (its other digits
follow, 4 bits each; the length of an AI is set by its first two digits) or, with a
digit above 9, an optimisation code for a common run of AIs; then the value of each
component of the AI's format: a fixed-length number in binary; a variable number as a
length then the number; alphanumerics as a 3-bit encoding (integer, hex, base64,
7-bit ASCII), a length when variable, and the characters. A leading nibble F carries a
non-GS1 query parameter (key in base64, value as an alphanumeric).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Final
from urllib.parse import quote

from registry.gs1.ai import AI_TABLE
from registry.gs1.digital_link import build_digital_link
from registry.gs1.element_string import Element
from registry.gs1.errors import GS1Error, fail

BASE64: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
HEX: Final = "0123456789abcdef"
COMPRESSED_SEGMENT: Final = re.compile(r"^[A-Za-z0-9_-]{8,}$")
# GS1 Digital Link 1.1, compression: optimisation codes for common sequences of AIs.
OPTIMISATIONS: Final = {
    "0A": ("01", "22"),
    "0B": ("01", "10"),
    "0C": ("01", "21"),
    "0D": ("01", "17"),
    "0E": ("01", "7003"),
    "0F": ("01", "30"),
    "1A": ("01", "10", "21", "17"),
    "1B": ("01", "15"),
    "1C": ("01", "11"),
    "1D": ("01", "16"),
    "1E": ("01", "91"),
    "1F": ("01", "10", "15"),
    **{f"2{c}": ("01", f"310{n}") for n, c in enumerate("ABCDEF")},
    **{f"3{c}": ("01", f"320{n}") for n, c in enumerate("ABCDEF")},
    "9A": ("8010", "8011"),
    "9B": ("8017", "8019"),
    "9C": ("8018", "8019"),
    "9D": ("414", "254"),
    **{f"A{n}": ("01", f"392{n}") for n in range(10)},
    **{f"C{n}": ("255", f"390{n}") for n in range(10)},
    **{f"C{c}": ("255", f"394{n}") for n, c in enumerate("ABCD")},
}
# Encodings of an alphanumeric value (3 bits).
_INTEGER, _LOWER_HEX, _UPPER_HEX, _BASE64, _ASCII = range(5)


@dataclass(frozen=True)
class _Part:
    numeric: bool
    length: int
    fixed: bool


def _value_bits(digits: int) -> int:
    return math.ceil(digits * math.log2(10) + 0.01)


def _length_bits(most: int) -> int:
    return math.ceil(math.log2(most) + 0.01)


@cache
def _ai_length_by_prefix() -> dict[str, int]:
    """An AI's first two digits set its length (GS1 General Specifications §3.2)."""
    return {code[:2]: len(code) for code in AI_TABLE}


@cache
def _parts(code: str) -> tuple[_Part, ...]:
    """The AI's format as the compression reads it: adjacent fixed numbers are one number,
    adjacent optional numbers one variable number, and adjacent alphanumerics one."""
    parts: list[_Part] = []
    for component in AI_TABLE[code].components:
        numeric = component.charset == "N"
        fixed = component.min_length == component.max_length and not component.optional
        part = _Part(numeric, component.max_length, fixed)
        previous = parts[-1] if parts else None
        if previous is not None and previous.numeric == numeric:
            if numeric and previous.fixed == fixed:
                parts[-1] = _Part(True, previous.length + part.length, fixed)
                continue
            if not numeric:
                merged = previous.fixed and fixed
                parts[-1] = _Part(False, previous.length + part.length, merged)
                continue
        parts.append(part)
    return tuple(parts)


class _Bits:
    def __init__(self, text: str) -> None:
        self.bits = "".join(f"{BASE64.index(c):06b}" for c in text)
        self.at = 0

    def left(self) -> int:
        return len(self.bits) - self.at

    def take(self, count: int) -> int:
        if count > self.left():
            raise _broken()
        chunk = self.bits[self.at : self.at + count]
        self.at += count
        return int(chunk, 2) if chunk else 0


def _broken() -> GS1Error:
    return fail(None, "Digital Link nén bị hỏng", "the compressed Digital Link is corrupt")


def _characters(bits: _Bits, encoding: int, count: int) -> str:
    if encoding == _INTEGER:
        return str(bits.take(_value_bits(count))).zfill(count) if count else ""
    if encoding in (_LOWER_HEX, _UPPER_HEX):
        text = "".join(HEX[bits.take(4)] for _ in range(count))
        return text if encoding == _LOWER_HEX else text.upper()
    if encoding == _BASE64:
        return "".join(BASE64[bits.take(6)] for _ in range(count))
    if encoding == _ASCII:
        return "".join(chr(bits.take(7)) for _ in range(count))
    raise _broken()


def _value(bits: _Bits, code: str) -> str:
    value = []
    for part in _parts(code):
        if part.numeric:
            digits = part.length if part.fixed else bits.take(_length_bits(part.length))
            value.append(str(bits.take(_value_bits(digits))).zfill(digits) if digits else "")
        else:
            encoding = bits.take(3)
            count = part.length if part.fixed else bits.take(_length_bits(part.length))
            value.append(_characters(bits, encoding, count))
    return "".join(value)


def _ai(bits: _Bits, first: int, second: int) -> str:
    code = f"{first}{second}"
    length = _ai_length_by_prefix().get(code)
    if length is None:
        raise _broken()
    for _ in range(length - 2):
        digit = bits.take(4)
        if digit > 9:
            raise _broken()
        code += str(digit)
    if code not in AI_TABLE:
        raise fail(code, "AI không tồn tại", "unknown AI")
    return code


def decompress(segment: str) -> tuple[list[Element], list[tuple[str, str]]]:
    """The AIs with their values, and other query parameters, of a compressed segment.
    GS1Error when it is not one."""
    if not COMPRESSED_SEGMENT.fullmatch(segment):
        raise _broken()
    bits = _Bits(segment)
    elements: list[Element] = []
    others: list[tuple[str, str]] = []
    # Fewer than 8 bits left are the padding to whole base64 characters.
    while bits.left() > 8:
        first, second = bits.take(4), bits.take(4)
        if first <= 9 and second <= 9:
            code = _ai(bits, first, second)
            elements.append((code, _value(bits, code)))
        elif first == 15:
            key_length = second << 3 | bits.take(3)
            key = "".join(BASE64[bits.take(6)] for _ in range(key_length))
            encoding = bits.take(3)
            others.append((key, _characters(bits, encoding, bits.take(7))))
        else:
            run = OPTIMISATIONS.get(f"{first:X}{second:X}")
            if run is None:
                raise _broken()
            elements.extend((code, _value(bits, code)) for code in run)
    if not elements:
        raise _broken()
    return elements, others


def _encode_characters(value: str) -> tuple[int, str]:
    """The shortest of the encodings that can write `value`, and its bits."""
    if value.isdigit() and not value.startswith("0"):
        return _INTEGER, f"{int(value):0{_value_bits(len(value))}b}"
    if re.fullmatch(r"[0-9a-f]*", value):
        return _LOWER_HEX, "".join(f"{HEX.index(c):04b}" for c in value)
    if re.fullmatch(r"[0-9A-F]*", value):
        return _UPPER_HEX, "".join(f"{HEX.index(c.lower()):04b}" for c in value)
    if all(c in BASE64 for c in value):
        return _BASE64, "".join(f"{BASE64.index(c):06b}" for c in value)
    return _ASCII, "".join(f"{ord(c):07b}" for c in value)


def _encode_value(code: str, value: str) -> str:
    bits: list[str] = []
    rest = value
    for index, part in enumerate(_parts(code)):
        last = index == len(_parts(code)) - 1
        if part.numeric:
            if part.fixed:
                digits = part.length
            else:
                taken = re.match(r"\d*", rest[: part.length])
                digits = len(taken.group()) if taken else 0
                bits.append(f"{digits:0{_length_bits(part.length)}b}")
            chunk, rest = rest[:digits], rest[digits:]
            if digits:
                bits.append(f"{int(chunk):0{_value_bits(digits)}b}")
        else:
            chunk = rest if last else rest[: part.length]
            rest = rest[len(chunk) :]
            encoding, encoded = _encode_characters(chunk)
            bits.append(f"{encoding:03b}")
            if not part.fixed:
                bits.append(f"{len(chunk):0{_length_bits(part.length)}b}")
            bits.append(encoded)
    return "".join(bits)


def compress_digital_link(base: str, elements: list[Element]) -> str:
    """The compressed Digital Link of `elements` on `base` (checked as a Digital Link
    first: GS1Error when they do not make one)."""
    build_digital_link(base, elements)
    return f"{base.rstrip('/')}/{compress(elements)}"


def compress(elements: list[Element]) -> str:
    """The compressed path segment of AIs and their values (in the order given; a run
    that has an optimisation code is written with it)."""
    bits: list[str] = []
    index = 0
    codes = [code for code, _ in elements]
    runs = sorted(OPTIMISATIONS.items(), key=lambda item: -len(item[1]))
    while index < len(elements):
        optimisation = next(
            ((name, run) for name, run in runs if tuple(codes[index : index + len(run)]) == run),
            None,
        )
        if optimisation is not None:
            name, run = optimisation
            bits.append(f"{int(name, 16):08b}")
        else:
            run = (codes[index],)
            bits.append("".join(f"{int(d):04b}" for d in codes[index]))
        for code, value in elements[index : index + len(run)]:
            bits.append(_encode_value(code, value))
        index += len(run)
    stream = "".join(bits)
    stream += "0" * (-len(stream) % 6)
    return "".join(BASE64[int(stream[i : i + 6], 2)] for i in range(0, len(stream), 6))


_COMPRESSED_URI: Final = re.compile(r"^(https?://[^/?#]+)/([A-Za-z0-9_-]{8,})/?(?:\?([^#]*))?$")


def uncompressed(uri: str) -> str | None:
    """The uncompressed Digital Link of a compressed one, on the same host (its other
    query parameters after the GS1 ones); None when `uri` is not a compressed Digital
    Link. GS1Error when it looks like one but does not decode to valid GS1 data."""
    match = _COMPRESSED_URI.fullmatch(uri)
    if match is None:
        return None
    base, segment, query = match.groups()
    elements, others = decompress(segment)
    link = build_digital_link(base, elements)
    extra = [f"{quote(k, safe='')}={quote(v, safe=':')}" for k, v in others]
    extra += [query] if query else []
    if not extra:
        return link
    return link + ("&" if "?" in link else "?") + "&".join(extra)
