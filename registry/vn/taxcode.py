"""Vietnamese tax codes (mã số thuế): enterprise, branch, and the personal ID used as one.

Circular 105/2020/TT-BTC art. 5: an enterprise code is N1…N10, N10 a check digit over
N1…N9; a branch (dependent unit) adds N11…N13 = 001–999, usually written after a dash.
Since 1 July 2025 (Circular 86/2024/TT-BTC) individuals and household businesses use
their 12-digit personal ID number as tax code; it has no check digit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Literal

from registry.vn.admin_units import province_gso_codes
from registry.vn.errors import VNRuleError

TaxCodeKind = Literal["mst10", "mst13", "personal_id12"]

# Circular 105/2020/TT-BTC art. 5: weights of N1…N9 for the check digit N10.
MST_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)

_FIELD = "tax_code"
_VISUAL_SEPARATORS = re.compile(r"[\s.]+")
_DASHED_BRANCH = re.compile(r"[0-9]{10}-[0-9]{3}")
_NOT_DIGIT = re.compile(r"[^0-9]")


@dataclass(frozen=True)
class TaxCode:
    value: str
    kind: TaxCodeKind

    @property
    def display(self) -> str:
        """The usual written form: a branch as "0123456789-001", others as stored."""
        if self.kind == "mst13":
            return f"{self.value[:10]}-{self.value[10:]}"
        return self.value

    @property
    def head_office(self) -> str | None:
        """The 10-digit code of the enterprise a branch belongs to (itself for an mst10)."""
        return self.value[:10] if self.kind != "personal_id12" else None


def mst_check_digit(first_nine: str) -> str | None:
    """N10 for the nine digits N1…N9, or None when no digit fits (weighted sum ≡ 0 mod 11).

    Same rule as python-stdnum's stdnum.vn.mst: 10 − (sum mod 11), which is one digit
    for every remainder but 0.
    """
    total = sum(weight * int(digit) for weight, digit in zip(MST_WEIGHTS, first_nine, strict=True))
    check = 10 - total % 11
    return str(check) if check < 10 else None


def _problem(reason: str, message_vi: str, message_en: str) -> VNRuleError:
    return VNRuleError(
        reason=f"tax_code.{reason}", field=_FIELD, message_vi=message_vi, message_en=message_en
    )


def _compact(value: str) -> tuple[str, list[VNRuleError]]:
    """Digits of `value` without spaces, dots and a branch dash; or the problem of its form."""
    text = _VISUAL_SEPARATORS.sub("", value)
    if not text:
        return text, [_problem("empty", "Chưa nhập mã số thuế.", "The tax code is empty.")]
    if "-" in text:
        if not _DASHED_BRANCH.fullmatch(text):
            return text, [
                _problem(
                    "dash",
                    "Dấu gạch ngang chỉ đặt giữa 10 chữ số đầu và 3 chữ số của chi nhánh "
                    "(ví dụ 0123456789-001).",
                    "A dash may only separate the 10-digit code from the 3-digit branch number "
                    "(e.g. 0123456789-001).",
                )
            ]
        text = text.replace("-", "")
    bad = sorted(set(_NOT_DIGIT.findall(text)))
    if bad:
        shown = " ".join(repr(char) for char in bad)
        return text, [
            _problem(
                "not_digits",
                f"Mã số thuế chỉ gồm chữ số; ký tự không hợp lệ: {shown}.",
                f"A tax code has digits only; not allowed: {shown}.",
            )
        ]
    if len(text) not in (10, 12, 13):
        return text, [
            _problem(
                "length",
                "Mã số thuế gồm 10 chữ số (doanh nghiệp), 13 chữ số (chi nhánh) hoặc "
                f"12 chữ số (số định danh cá nhân); đã nhập {len(text)} chữ số.",
                "A tax code has 10 digits (enterprise), 13 (branch) or 12 (personal ID "
                f"number); got {len(text)}.",
            )
        ]
    return text, []


def _enterprise_problems(digits: str) -> list[VNRuleError]:
    problems = []
    if digits[2:9] == "0000000":
        problems.append(
            _problem(
                "sequence",
                "Chữ số thứ 3 đến thứ 9 (số thứ tự) không thể là 0000000.",
                "Digits 3 to 9 (the sequence number) cannot be 0000000.",
            )
        )
    if len(digits) == 13 and digits[10:] == "000":
        problems.append(
            _problem(
                "branch",
                "Mã chi nhánh 000 không hợp lệ; chi nhánh được đánh số từ 001 đến 999.",
                "Branch number 000 is not valid; branches are numbered 001 to 999.",
            )
        )
    expected = mst_check_digit(digits[:9])
    if expected is None:
        problems.append(
            _problem(
                "checksum",
                f"Không có mã số thuế hợp lệ nào bắt đầu bằng {digits[:9]}: "
                "không chữ số kiểm tra nào phù hợp.",
                f"No valid tax code starts with {digits[:9]}: no check digit fits.",
            )
        )
    elif expected != digits[9]:
        # Never name the digit that would pass: a typing slip elsewhere in the code
        # would then be "fixed" into someone else's valid code.
        problems.append(
            _problem(
                "checksum",
                "Mã số thuế không hợp lệ (sai chữ số kiểm tra). Hãy đối chiếu từng chữ số "
                "với giấy chứng nhận đăng ký doanh nghiệp, hợp tác xã hoặc hộ kinh doanh.",
                "This tax code is not valid (its check digit does not match). Compare each "
                "digit with the business registration certificate.",
            )
        )
    return problems


@cache
def _personal_id_province_codes() -> frozenset[str]:
    return frozenset(code.zfill(3) for code in province_gso_codes())


def _personal_id_problems(digits: str, today: date) -> list[VNRuleError]:
    # Decree 137/2015/NĐ-CP art. 7: province code (3), century and sex (1),
    # last two digits of the birth year (2), then 6 random digits.
    problems = []
    if digits[:3] not in _personal_id_province_codes():
        problems.append(
            _problem(
                "personal_id_province",
                "Ba chữ số đầu của số định danh cá nhân là mã tỉnh, thành phố nơi đăng ký "
                f"khai sinh (001–096); {digits[:3]} không phải mã tỉnh.",
                "The first three digits of a personal ID number are the code of the "
                f"province of birth registration (001–096); {digits[:3]} is not one.",
            )
        )
    # Century code: 0/1 → 1900s, 2/3 → 2000s, 4/5 → 2100s … (male/female).
    birth_year = 1900 + 100 * (int(digits[3]) // 2) + int(digits[4:6])
    if birth_year > today.year:
        problems.append(
            _problem(
                "personal_id_birth_year",
                f"Chữ số thứ 4 đến thứ 6 của số định danh cá nhân cho năm sinh {birth_year}, "
                "sau năm hiện tại.",
                f"Digits 4 to 6 of the personal ID number give birth year {birth_year}, "
                "which is in the future.",
            )
        )
    return problems


def tax_code_problems(value: str, *, today: date | None = None) -> list[VNRuleError]:
    """Everything wrong with `value` as a tax code; empty when it is valid."""
    digits, problems = _compact(value)
    if problems:
        return problems
    if len(digits) == 12:
        return _personal_id_problems(digits, today or date.today())
    return _enterprise_problems(digits)


def parse_tax_code(value: str, *, today: date | None = None) -> TaxCode:
    """The canonical tax code in `value`, or VNRuleError with the first problem found.

    Accepts "0123456789", "0123456789001", "0123456789-001" and a 12-digit personal
    ID number; spaces and dots are ignored.
    """
    problems = tax_code_problems(value, today=today)
    if problems:
        raise problems[0]
    digits, _ = _compact(value)
    kinds: dict[int, TaxCodeKind] = {10: "mst10", 12: "personal_id12", 13: "mst13"}
    return TaxCode(value=digits, kind=kinds[len(digits)])


def is_valid_tax_code(value: str) -> bool:
    return not tax_code_problems(value)
