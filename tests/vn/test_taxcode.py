"""Tax codes: the python-stdnum labelled vectors, the check digit's properties, personal IDs."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from registry.vn import VNRuleError, is_valid_tax_code, parse_tax_code, tax_code_problems
from tests.testdata import load_json

TAX_CODE_CASES = load_json("vectors", "identifier-cases.json")["tax_codes"]

WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def with_check_digit(first_nine: str) -> str | None:
    """Written here from the rule itself (check = 10 − weighted sum mod 11)."""
    remainder = sum(w * int(d) for w, d in zip(WEIGHTS, first_nine, strict=True)) % 11
    return None if remainder == 0 else first_nine + str(10 - remainder)


nine_digits = st.text("0123456789", min_size=9, max_size=9).filter(lambda s: s[2:] != "0000000")


@st.composite
def valid_mst10(draw: st.DrawFn) -> str:
    code = with_check_digit(draw(nine_digits))
    assume(code is not None)
    assert code is not None
    return code


@pytest.mark.parametrize("case", TAX_CODE_CASES, ids=lambda case: case["value"])
def test_agrees_with_python_stdnum(case: dict[str, object]) -> None:
    value = str(case["value"])
    assert is_valid_tax_code(value) is case["valid"]
    if case["valid"]:
        parsed = parse_tax_code(value)
        assert parsed.value == value.replace("-", "")
        assert parsed.kind == ("mst10" if len(parsed.value) == 10 else "mst13")
    else:
        with pytest.raises(VNRuleError):
            parse_tax_code(value)


def test_stdnum_vectors_cover_both_verdicts_and_forms() -> None:
    values = {(len(c["value"]), c["valid"]) for c in TAX_CODE_CASES}
    assert {(10, True), (10, False), (13, True), (14, True), (14, False)} <= values


@given(valid_mst10())
def test_generated_valid_code_passes(code: str) -> None:
    assert parse_tax_code(code).kind == "mst10"


@given(valid_mst10(), st.integers(0, 9), st.integers(1, 9))
def test_any_single_digit_change_fails(code: str, position: int, shift: int) -> None:
    # Changing digit i by d ≠ 0 moves the weighted sum by w_i·d. Every weight is prime
    # to 11 and |d| ≤ 9 < 11, so the sum mod 11 always moves: the old check digit no
    # longer fits (or none does). A changed check digit is wrong by construction.
    # So no single substitution can collide with another valid code.
    changed = code[:position] + str((int(code[position]) + shift) % 10) + code[position + 1 :]
    assert not is_valid_tax_code(changed)
    assert any(p.reason == "tax_code.checksum" for p in tax_code_problems(changed))


@given(valid_mst10(), st.integers(0, 7))
def test_adjacent_swap_in_first_nine_digits_fails(code: str, position: int) -> None:
    # Neighbouring weights differ by 2, 4 or 6, all prime to 11: a swap of two
    # different digits always moves the sum mod 11.
    a, b = code[position], code[position + 1]
    assume(a != b)
    swapped = code[:position] + b + a + code[position + 2 :]
    assert not is_valid_tax_code(swapped)


@given(valid_mst10(), st.integers(1, 999))
def test_branch_in_every_written_form(code: str, branch: int) -> None:
    suffix = f"{branch:03d}"
    forms = [
        code + suffix,
        f"{code}-{suffix}",
        f" {code} - {suffix} ",
        f"{code[:4]}.{code[4:]}-{suffix}",
    ]
    parsed = {parse_tax_code(form) for form in forms}
    assert len(parsed) == 1
    (tax_code,) = parsed
    assert tax_code.kind == "mst13"
    assert tax_code.value == code + suffix
    assert tax_code.display == f"{code}-{suffix}"
    assert tax_code.head_office == code
    assert parse_tax_code(tax_code.display) == tax_code


@given(valid_mst10())
def test_branch_000_is_not_a_branch(code: str) -> None:
    assert [p.reason for p in tax_code_problems(code + "000")] == ["tax_code.branch"]


def test_sum_divisible_by_11_has_no_valid_code() -> None:
    first_nine = next(
        f"{n:09d}"
        for n in range(1, 10**6)
        if f"{n:09d}"[2:] != "0000000" and with_check_digit(f"{n:09d}") is None
    )
    for check in "0123456789":
        problems = tax_code_problems(first_nine + check)
        assert [p.reason for p in problems] == ["tax_code.checksum"]
        assert "no check digit fits" in problems[0].message_en


def test_remainder_one_gives_check_digit_nine() -> None:
    first_nine = next(
        f"{n:09d}"
        for n in range(1, 10**6)
        if sum(w * int(d) for w, d in zip(WEIGHTS, f"{n:09d}", strict=True)) % 11 == 1
    )
    assert is_valid_tax_code(first_nine + "9")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "tax_code.empty"),
        ("   ", "tax_code.empty"),
        ("01002334", "tax_code.length"),
        ("01002334881", "tax_code.length"),
        ("0100233488-01", "tax_code.dash"),
        ("01002-33488", "tax_code.dash"),
        ("010023348A", "tax_code.not_digits"),
        ("０１００２３３４８８", "tax_code.not_digits"),  # fullwidth digits
        ("0100000000", "tax_code.sequence"),
    ],
)
def test_malformed_values_say_why(value: str, reason: str) -> None:
    problems = tax_code_problems(value)
    assert problems and problems[0].reason == reason
    error = problems[0]
    assert error.field == "tax_code"
    assert error.message_vi and error.message_en and error.message_vi != error.message_en
    with pytest.raises(VNRuleError) as raised:
        parse_tax_code(value)
    assert raised.value.reason == reason


def test_stdnum_documented_examples() -> None:
    # From python-stdnum's stdnum.vn.mst docstring.
    assert parse_tax_code("0100233488").display == "0100233488"
    assert parse_tax_code("0314409058-002").value == "0314409058002"
    assert parse_tax_code("01.00.112.437").value == "0100112437"
    assert parse_tax_code("0312 68 78 78 - 001").display == "0312687878-001"
    assert not is_valid_tax_code("0100233480")


def test_vietnamese_message_has_diacritics() -> None:
    (problem,) = tax_code_problems("0100233480")
    assert "chữ số kiểm tra" in problem.message_vi


def test_a_wrong_check_digit_is_not_told_the_right_one() -> None:
    # 0100233488 is valid: naming the 8 would invite a mistyped code that then passes.
    (problem,) = tax_code_problems("0100233480")
    assert "8" not in problem.message_vi and "8" not in problem.message_en
    assert "giấy chứng nhận đăng ký" in problem.message_vi
    assert "registration certificate" in problem.message_en


# Personal ID numbers (Decree 137/2015/NĐ-CP art. 7): province of birth registration (3),
# century and sex (1), birth year (2), random (6).
TODAY = date(2025, 9, 1)


@pytest.mark.parametrize(
    "value",
    [
        "001085012345",  # Hà Nội, man born 1985
        "082199123456",  # Tiền Giang, woman born 1991
        "087300654321",  # old Đồng Tháp, woman born 2000
        "096225000001",  # Cà Mau, man born 2025
    ],
)
def test_personal_id_is_its_own_kind(value: str) -> None:
    tax_code = parse_tax_code(value, today=TODAY)
    assert tax_code.kind == "personal_id12"
    assert tax_code.display == value
    assert tax_code.head_office is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("000085012345", "tax_code.personal_id_province"),
        ("003085012345", "tax_code.personal_id_province"),  # GSO never used 03 for a province
        ("097085012345", "tax_code.personal_id_province"),
        ("001226012345", "tax_code.personal_id_birth_year"),  # born 2026, seen in 2025
        ("001400012345", "tax_code.personal_id_birth_year"),  # 22nd century
    ],
)
def test_personal_id_structure_is_checked(value: str, reason: str) -> None:
    assert [p.reason for p in tax_code_problems(value, today=TODAY)] == [reason]


def test_every_province_code_001_to_096_of_the_63_provinces_is_accepted() -> None:
    # The 63 pre-2025 GSO province codes, as the CCCD province codes of Circular 07/2016/TT-BCA.
    gso_63 = (
        1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34,
        35, 36, 37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66,
        67, 68, 70, 72, 74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
    )  # fmt: skip
    assert len(gso_63) == 63
    for code in gso_63:
        assert is_valid_tax_code(f"{code:03d}090000001"), code
