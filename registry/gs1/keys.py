"""GS1 identification keys given on their own: GTIN, GLN, SSCC."""

from __future__ import annotations

from dataclasses import dataclass, field

from registry.gs1.checkdigit import gs1_check_digit
from registry.gs1.errors import fail

# GS1 General Specifications §3.3.2: a GTIN has 8, 12, 13 or 14 digits and is stored
# right-aligned in a 14-digit field, padded with zeros on the left.
GTIN_LENGTHS = (8, 12, 13, 14)
GLN_LENGTH = 13
SSCC_LENGTH = 18
GTIN14_LENGTH = 14


@dataclass(frozen=True)
class Gtin:
    gtin14: str
    given_length: int = field(default=GTIN14_LENGTH, compare=False)

    @property
    def gtin13(self) -> str | None:
        """The EAN-13 form, when the GTIN-14 starts with 0."""
        return self.gtin14[1:] if self.gtin14.startswith("0") else None

    @property
    def length_kind(self) -> int:
        """8, 12, 13 or 14: how many digits the GTIN was given with."""
        return self.given_length


def _check_key(ai: str, name: str, value: str, lengths: tuple[int, ...]) -> str:
    value = value.strip()
    if not value:
        raise fail(ai, f"{name} rỗng", f"{name} is empty")
    if not value.isascii() or not value.isdigit():
        index = next(i for i, c in enumerate(value) if not ("0" <= c <= "9"))
        raise fail(
            ai,
            f"{name} chỉ gồm chữ số; ký tự {value[index]!r} ở vị trí {index + 1} không hợp lệ",
            f"{name} has digits only; character {value[index]!r} at position {index + 1}",
            index,
        )
    if len(value) not in lengths:
        allowed = ", ".join(str(n) for n in lengths)
        raise fail(
            ai,
            f"{name} phải có {allowed} chữ số, nhận {len(value)}",
            f"{name} must have {allowed} digits, got {len(value)}",
        )
    expected = gs1_check_digit(value[:-1])
    if value[-1] != expected:
        raise fail(
            ai,
            f"chữ số kiểm tra sai, phải là {expected}",
            f"wrong check digit, expected {expected}",
            len(value) - 1,
        )
    return value


def parse_gtin(value: str) -> Gtin:
    """A GTIN-8/12/13/14 with a verified check digit, as its 14-digit form."""
    digits = _check_key("01", "GTIN", value, GTIN_LENGTHS)
    return Gtin(gtin14=digits.zfill(GTIN14_LENGTH), given_length=len(digits))


def normalize_gtin(value: str) -> str:
    """The 14-digit form of a GTIN-8/12/13/14 (check digit verified)."""
    return parse_gtin(value).gtin14


def parse_gln(value: str) -> str:
    """A 13-digit GLN with a verified check digit."""
    return _check_key("414", "GLN", value, (GLN_LENGTH,))


def parse_sscc(value: str) -> str:
    """An 18-digit SSCC with a verified check digit."""
    return _check_key("00", "SSCC", value, (SSCC_LENGTH,))


# Issuing organisations, only for the prefixes this registry has to recognise
# (GS1 General Specifications §1.4.3 figure 1.4.3-1, GS1 Prefix list):
# GS1 Vietnam, and the restricted-circulation ranges that are never issued as GTINs.
_GTIN13_PREFIX_ISSUERS: tuple[tuple[str, str, str], ...] = (
    ("893", "893", "GS1 Vietnam"),
    (
        "020",
        "029",
        "Used to issue Restricted Circulation Numbers within a geographic region (MO defined)",
    ),
    ("040", "049", "Used to issue GS1 Restricted Circulation Numbers within a company"),
    (
        "200",
        "299",
        "Used to issue Restricted Circulation Numbers within a geographic region (MO defined)",
    ),
)


def gs1_issuer(gtin14: str) -> str | None:
    """The GS1 organisation (or restricted use) of a GTIN's prefix, when it is one we know.

    Returns None for GTIN-8 (a separate prefix list) and for prefixes outside the short
    list above; it is not a full GS1 prefix directory.
    """
    if len(gtin14) != GTIN14_LENGTH or not gtin14.isdigit():
        raise fail("01", "GTIN-14 phải có 14 chữ số", "a GTIN-14 has 14 digits")
    if gtin14.startswith("000000"):
        return None
    prefix = gtin14[1:4]
    for first, last, issuer in _GTIN13_PREFIX_ISSUERS:
        if first <= prefix <= last:
            return issuer
    return None


__all__ = [
    "Gtin",
    "gs1_issuer",
    "normalize_gtin",
    "parse_gln",
    "parse_gtin",
    "parse_sscc",
]
