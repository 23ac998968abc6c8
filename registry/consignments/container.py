"""Freight container numbers (ISO 6346:2022): owner code, category, serial, check digit."""

from __future__ import annotations

import re
from typing import Final

from registry.errors import InvalidInput

# ISO 6346 §6: three letters of owner code, the equipment category U (freight container),
# J (detachable equipment) or Z (trailer or chassis), six digits and the check digit.
_SHAPE: Final = re.compile(r"[A-Z]{3}[UJZ][0-9]{6}[0-9]")
# ISO 6346 Annex A: letters take 10 upwards, skipping 11, 22 and 33 (multiples of 11).
_LETTER_VALUES: Final = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        [n for n in range(10, 39) if n % 11],
        strict=True,
    )
)


def container_check_digit(first_ten: str) -> str:
    """Each character's value times 2**position, summed, modulo 11; 10 becomes 0."""
    total = sum(
        (_LETTER_VALUES[c] if c.isalpha() else int(c)) * 2**position
        for position, c in enumerate(first_ten)
    )
    return str(total % 11 % 10)


def parse_container_number(text: str, *, field: str = "container_number") -> str:
    """The container number in its canonical form (capitals, no spaces or dashes)."""
    value = re.sub(r"[\s-]", "", text).upper()
    if not _SHAPE.fullmatch(value):
        raise InvalidInput(
            "Số container theo ISO 6346 gồm 4 chữ cái (chữ thứ tư là U, J hoặc Z) và 7 chữ số,"
            " ví dụ CSQU3054383.",
            "An ISO 6346 container number has 4 letters (the fourth U, J or Z) and 7 digits,"
            " e.g. CSQU3054383.",
            field=field,
        )
    # The right digit is not shown: a mistyped number "corrected" by it names another box.
    if value[10] != container_check_digit(value[:10]):
        raise InvalidInput(
            f"Số container {value} sai chữ số kiểm tra (ISO 6346): có chữ hoặc số bị gõ nhầm."
            " Hãy đọc lại số trên vỏ container.",
            f"Container number {value} fails its ISO 6346 check digit: a letter or digit is"
            " mistyped. Read the number on the container again.",
            field=field,
        )
    return value
