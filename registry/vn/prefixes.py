"""GS1 Vietnam company prefixes (893…): which lengths are issued where, and what they hold."""

from __future__ import annotations

from dataclasses import dataclass

from registry.vn.errors import VNRuleError

# GS1 General Specifications Figure 1.4.2-1: 893 is GS1 Vietnam's prefix;
# 020–029 and 200–299 are for restricted circulation and never identify a company.
VIETNAM_GS1_PREFIX = "893"
RESTRICTED_CIRCULATION_STARTS = ("02", "2")

# GS1 Vietnam issues company prefixes of 7 to 10 digits.
ISSUED_LENGTHS = range(7, 11)

# GTIN-13 and GLN are 13 digits: company prefix + reference + 1 check digit.
KEY_DIGITS_BEFORE_CHECK = 12


@dataclass(frozen=True)
class PrefixRule:
    """Every company prefix that starts with `prefix_start` is `length` digits long."""

    prefix_start: str
    length: int


# GS1 company prefix format list (as shipped in biip's GS1 table), the 893 ranges.
# Length 12 marks ranges of individually assigned GTINs: no company prefix there.
VIETNAM_PREFIX_RULES = (
    PrefixRule("8931", 10),
    PrefixRule("89320000", 9),
    PrefixRule("89320001", 9),
    PrefixRule("8932001", 7),
    PrefixRule("89328", 12),
    PrefixRule("8934", 7),
    PrefixRule("8935", 8),
    PrefixRule("89360", 9),
    PrefixRule("89361", 9),
    PrefixRule("89362", 9),
    PrefixRule("89364", 10),
    PrefixRule("89380", 9),
    PrefixRule("89385", 10),
    PrefixRule("89386", 10),
    PrefixRule("89389", 10),
    PrefixRule("8939", 12),
)

_FIELD = "company_prefix"


def _problem(reason: str, message_vi: str, message_en: str) -> VNRuleError:
    return VNRuleError(
        reason=f"company_prefix.{reason}",
        field=_FIELD,
        message_vi=message_vi,
        message_en=message_en,
    )


def _require_digits(value: str) -> str:
    text = value.strip()
    if not text or not text.isascii() or not text.isdigit():
        raise _problem(
            "not_digits",
            f"Mã doanh nghiệp GS1 chỉ gồm chữ số; đã nhập {value!r}.",
            f"A GS1 company prefix has digits only; got {value!r}.",
        )
    return text


def _covering_rule(digits: str) -> PrefixRule | None:
    covering = [rule for rule in VIETNAM_PREFIX_RULES if digits.startswith(rule.prefix_start)]
    return max(covering, key=lambda rule: len(rule.prefix_start), default=None)


def company_prefix_length(prefix_or_gtin: str) -> int | None:
    """The company prefix length GS1 set for the range this prefix or key falls in.

    Accepts a prefix, a GTIN-13 or GLN, or a GTIN-14 (its indicator digit is skipped).
    None when no known range covers it. The longest matching range wins.
    """
    digits = _require_digits(prefix_or_gtin)
    if len(digits) == 14:
        digits = digits[1:]
    rule = _covering_rule(digits)
    return rule.length if rule else None


def validate_company_prefix(prefix: str) -> str:
    """The prefix as given (digits, spaces trimmed) when GS1 Vietnam could have issued it."""
    digits = _require_digits(prefix)
    if digits.startswith(RESTRICTED_CIRCULATION_STARTS):
        raise _problem(
            "restricted",
            f"{digits} thuộc vùng mã lưu hành hạn chế (020–029, 200–299), "
            "không dùng làm mã doanh nghiệp GS1.",
            f"{digits} is in a restricted-circulation range (020–029, 200–299), "
            "never a GS1 company prefix.",
        )
    if not digits.startswith(VIETNAM_GS1_PREFIX):
        raise _problem(
            "not_vietnam",
            f"Mã doanh nghiệp do GS1 Việt Nam cấp bắt đầu bằng 893; {digits} thì không.",
            f"Company prefixes issued by GS1 Vietnam start with 893; {digits} does not.",
        )
    if len(digits) not in ISSUED_LENGTHS:
        raise _problem(
            "length",
            f"Mã doanh nghiệp GS1 Việt Nam dài 7 đến 10 chữ số; {digits} có {len(digits)}.",
            f"GS1 Vietnam company prefixes are 7 to 10 digits; {digits} has {len(digits)}.",
        )
    rule = _covering_rule(digits)
    if rule and rule.length == KEY_DIGITS_BEFORE_CHECK:
        raise _problem(
            "individual_gtins",
            f"Vùng {rule.prefix_start} dành cho mã GTIN cấp lẻ từng sản phẩm, "
            "không có mã doanh nghiệp.",
            f"Range {rule.prefix_start} holds individually assigned GTINs, not company prefixes.",
        )
    if rule and rule.length != len(digits):
        raise _problem(
            "range_length",
            f"Mã doanh nghiệp trong vùng {rule.prefix_start} dài {rule.length} chữ số; "
            f"{digits} có {len(digits)}.",
            f"Company prefixes in range {rule.prefix_start} are {rule.length} digits long; "
            f"{digits} has {len(digits)}.",
        )
    for inner in VIETNAM_PREFIX_RULES:
        longer_start = len(inner.prefix_start) > len(digits)
        if longer_start and inner.prefix_start.startswith(digits) and inner.length != len(digits):
            raise _problem(
                "range_overlap",
                f"{digits} bao trùm vùng {inner.prefix_start}, nơi mã doanh nghiệp dài "
                f"{inner.length} chữ số.",
                f"{digits} would cover range {inner.prefix_start}, where company prefixes "
                f"are {inner.length} digits long.",
            )
    return digits


def prefix_capacity(prefix: str) -> int:
    """How many GTIN-13s (item references) a company prefix holds: 10^(12 − its length)."""
    reference_digits = KEY_DIGITS_BEFORE_CHECK - len(validate_company_prefix(prefix))
    return int(10**reference_digits)


def gln_capacity(prefix: str) -> int:
    """How many GLNs (location references) a company prefix holds: 10^(12 − its length)."""
    return prefix_capacity(prefix)
