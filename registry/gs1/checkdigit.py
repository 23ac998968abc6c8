"""GS1 check digits: mod-10 for numeric keys, and the check character pair of a GMN."""

from __future__ import annotations

# GS1 General Specifications §7.9.1: weights 3, 1, 3, 1 ... counted from the right,
# applied to the digits that precede the check digit.
_WEIGHTS_FROM_RIGHT = (3, 1)


def gs1_check_digit(digits: str) -> str:
    """The mod-10 check digit for `digits` (the key WITHOUT its check digit)."""
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"digits only, got {digits!r}")
    odd_from_right = sum(map(int, digits[-1::-2]))
    even_from_right = sum(map(int, digits[-2::-2]))
    total = odd_from_right * _WEIGHTS_FROM_RIGHT[0] + even_from_right * _WEIGHTS_FROM_RIGHT[1]
    return str(-total % 10)


def has_valid_check_digit(value: str) -> bool:
    """True when `value` is all digits and its last digit is the mod-10 check digit."""
    if len(value) < 2 or not value.isascii() or not value.isdigit():
        return False
    return gs1_check_digit(value[:-1]) == value[-1]


# GS1 General Specifications §7.9.5 (check character pair for AI 8013 GMN):
# characters of CSET 82 take their index in that set, weighted by the primes 2, 3, 5 ...
# from the right; the sum mod 1021 is written as two characters of CSET 32.
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
CSET32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83)
_CSET82_INDEX = {char: index for index, char in enumerate(CSET82)}


def gs1_check_character_pair(data: str) -> str:
    """The two check characters of a GMN for `data` (without the pair), at most 23 chars."""
    if len(data) > len(_PRIMES):
        raise ValueError("at most 23 characters precede the check character pair")
    try:
        total = sum(
            _CSET82_INDEX[char] * weight
            for char, weight in zip(reversed(data), _PRIMES, strict=False)
        )
    except KeyError as exc:
        raise ValueError(f"not a CSET 82 character: {exc.args[0]!r}") from None
    total %= 1021
    return CSET32[total >> 5] + CSET32[total & 31]
