"""Content checks on one component of an AI value (names as in the GS1 Syntax Dictionary).

Each check returns None when the component is fine, or (offset, message_vi, message_en)
with the offset of the offending character inside the component.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from functools import cache

import pycountry

from registry.gs1.checkdigit import CSET32, CSET82, gs1_check_character_pair, gs1_check_digit

Finding = tuple[int, str, str] | None
Linter = Callable[[str], Finding]

# GS1 General Specifications §7.12: a two-digit year YY is resolved against the current
# year: YY - current YY of 51..99 means the previous century, -99..-50 the next one.
_PREVIOUS_CENTURY_FROM = 51
_NEXT_CENTURY_FROM = -50
# §3.2 note: the shortest GS1 Company Prefix has four digits.
_GCP_MIN_LENGTH = 4


def full_year(yy: int, *, today: dt.date | None = None) -> int:
    """The four-digit year of a GS1 YY (sliding window of §7.12)."""
    this_year = (today or dt.date.today()).year
    century = this_year - this_year % 100
    difference = yy - this_year % 100
    if difference >= _PREVIOUS_CENTURY_FROM:
        return century - 100 + yy
    if difference <= _NEXT_CENTURY_FROM:
        return century + 100 + yy
    return century + yy


def _check_month_day(year: int, digits: str, *, day_zero: bool) -> Finding:
    month = int(digits[0:2])
    day = int(digits[2:4])
    if not 1 <= month <= 12:
        return (0, f"tháng {digits[0:2]} không hợp lệ", f"illegal month {digits[0:2]}")
    if day == 0 and day_zero:
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return (2, f"ngày {digits[2:4]} không hợp lệ", f"illegal day {digits[2:4]} of the month")
    return None


def yymmdd(value: str) -> Finding:
    finding = _check_month_day(full_year(int(value[0:2])), value[2:6], day_zero=False)
    return None if finding is None else (finding[0] + 2, finding[1], finding[2])


def yymmd0(value: str) -> Finding:
    finding = _check_month_day(full_year(int(value[0:2])), value[2:6], day_zero=True)
    return None if finding is None else (finding[0] + 2, finding[1], finding[2])


def yyyymmdd(value: str) -> Finding:
    finding = _check_month_day(int(value[0:4]), value[4:8], day_zero=False)
    return None if finding is None else (finding[0] + 4, finding[1], finding[2])


def _in_range(value: str, low: int, high: int, what_vi: str, what_en: str) -> Finding:
    if low <= int(value) <= high:
        return None
    return (0, f"{what_vi} {value} không hợp lệ", f"illegal {what_en} {value}")


def hh(value: str) -> Finding:
    return _in_range(value, 0, 23, "giờ", "hour")


def mi(value: str) -> Finding:
    return _in_range(value, 0, 59, "phút", "minute")


def ss(value: str) -> Finding:
    return _in_range(value, 0, 59, "giây", "second")


def hhmi(value: str) -> Finding:
    finding = hh(value[0:2])
    if finding is not None:
        return finding
    finding = mi(value[2:4])
    return None if finding is None else (2, finding[1], finding[2])


def csum(value: str) -> Finding:
    expected = gs1_check_digit(value[:-1])
    if value[-1] == expected:
        return None
    return (
        len(value) - 1,
        f"chữ số kiểm tra sai, phải là {expected}",
        f"wrong check digit, expected {expected}",
    )


def csumalpha(value: str) -> Finding:
    if len(value) < 2:
        return (0, "quá ngắn để có cặp ký tự kiểm tra", "too short for a check character pair")
    for offset in (len(value) - 2, len(value) - 1):
        if value[offset] not in CSET32:
            return (offset, "ký tự kiểm tra không thuộc CSET 32", "check character not in CSET 32")
    expected = gs1_check_character_pair(value[:-2])
    if value[-2:] == expected:
        return None
    return (
        len(value) - 2,
        f"cặp ký tự kiểm tra sai, phải là {expected}",
        f"wrong check character pair, expected {expected}",
    )


def key(value: str) -> Finding:
    for offset in range(_GCP_MIN_LENGTH):
        if offset >= len(value) or not value[offset].isdigit():
            return (
                offset,
                "phải bắt đầu bằng mã doanh nghiệp GS1 (ít nhất 4 chữ số)",
                "must start with a GS1 Company Prefix (at least 4 digits)",
            )
    return None


def keyoff1(value: str) -> Finding:
    finding = key(value[1:])
    return None if finding is None else (finding[0] + 1, finding[1], finding[2])


def zero(value: str) -> Finding:
    return None if value == "0" else (0, "phải là 0", "must be 0")


def nonzero(value: str) -> Finding:
    return None if value.strip("0") else (0, "không được bằng 0", "must not be zero")


def winding(value: str) -> Finding:
    return (
        None
        if value in "019"
        else (0, "hướng cuộn phải là 0, 1 hoặc 9", "winding must be 0, 1 or 9")
    )


def yesno(value: str) -> Finding:
    return None if value in "01" else (0, "phải là 0 hoặc 1", "must be 0 or 1")


def iso5218(value: str) -> Finding:
    return (
        None
        if value in "0129"
        else (0, "mã giới tính phải là 0, 1, 2 hoặc 9", "sex code must be 0, 1, 2 or 9")
    )


def pieceoftotal(value: str) -> Finding:
    piece, total = int(value[0:2]), int(value[2:4])
    if piece == 0 or total == 0 or piece > total:
        return (0, "số thứ tự phần / tổng số phần không hợp lệ", "invalid piece number / total")
    return None


def nozeroprefix(value: str) -> Finding:
    if len(value) > 1 and value[0] == "0":
        return (0, "không được bắt đầu bằng 0", "must not start with 0")
    return None


def hyphen(value: str) -> Finding:
    return None if value == "-" else (0, "chỉ được là dấu '-'", "may only be '-'")


_CSET64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def importeridx(value: str) -> Finding:
    return (
        None
        if value in _CSET64
        else (0, "chỉ số nhà nhập khẩu không hợp lệ", "invalid importer index")
    )


_PERCENT_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def pcenc(value: str) -> Finding:
    bad = _PERCENT_ESCAPE.search(value)
    if bad is None:
        return None
    return (bad.start(), "mã hoá phần trăm sai", "invalid percent-encoding")


def latitude(value: str) -> Finding:
    return _in_range(value, 0, 1_800_000_000, "vĩ độ", "latitude")


def longitude(value: str) -> Finding:
    return _in_range(value, 0, 3_600_000_000, "kinh độ", "longitude")


def mediatype(value: str) -> Finding:
    number = int(value)
    if 1 <= number <= 10 or 80 <= number <= 99:
        return None
    return (0, f"loại phương tiện {value} không hợp lệ", f"invalid AIDC media type {value}")


def posinseqslash(value: str) -> Finding:
    if len(value) == 3 and value[1] == "/" and value[0].isdigit() and value[2].isdigit():
        position, total = int(value[0]), int(value[2])
        if 1 <= position <= total:
            return None
    return (0, "phải có dạng n/m với 1 ≤ n ≤ m", "must be n/m with 1 ≤ n ≤ m")


def hasnondigit(value: str) -> Finding:
    if value.isdigit():
        return (0, "phải có ít nhất một ký tự không phải chữ số", "must contain a non-digit")
    return None


@cache
def _countries() -> tuple[frozenset[str], frozenset[str]]:
    """ISO 3166-1 numeric and alpha-2 codes, as pycountry (ISO's current list) has them."""
    return (
        frozenset(country.numeric for country in pycountry.countries),
        frozenset(country.alpha_2 for country in pycountry.countries),
    )


def iso3166(value: str) -> Finding:
    if value in _countries()[0]:
        return None
    return (
        0,
        f"{value} không phải mã số quốc gia ISO 3166-1 (ví dụ 704 là Việt Nam)",
        f"{value} is not an ISO 3166-1 numeric country code (704 is Viet Nam)",
    )


def iso3166999(value: str) -> Finding:
    """ISO 3166-1 numeric, or 999 (GS1 General Specifications: the country is not given)."""
    return None if value == "999" else iso3166(value)


def iso3166alpha2(value: str) -> Finding:
    if not (len(value) == 2 and value.isascii() and value.isalpha() and value.isupper()):
        return (
            0,
            "mã quốc gia phải là 2 chữ cái in hoa",
            "country code must be two capital letters",
        )
    if value in _countries()[1]:
        return None
    return (
        0,
        f"{value} không phải mã quốc gia ISO 3166-1 alpha-2 (ví dụ VN)",
        f"{value} is not an ISO 3166-1 alpha-2 country code (such as VN)",
    )


def _not_checked(value: str) -> Finding:
    """Code lists (ISO 4217, IBAN, coupons, package types) are not bundled."""
    return None


LINTERS: dict[str, Linter] = {
    "yymmdd": yymmdd,
    "yymmd0": yymmd0,
    "yyyymmdd": yyyymmdd,
    "hh": hh,
    "mi": mi,
    "ss": ss,
    "hhmi": hhmi,
    "csum": csum,
    "csumalpha": csumalpha,
    "key": key,
    "keyoff1": keyoff1,
    "zero": zero,
    "nonzero": nonzero,
    "winding": winding,
    "yesno": yesno,
    "iso5218": iso5218,
    "pieceoftotal": pieceoftotal,
    "nozeroprefix": nozeroprefix,
    "hyphen": hyphen,
    "importeridx": importeridx,
    "pcenc": pcenc,
    "latitude": latitude,
    "longitude": longitude,
    "mediatype": mediatype,
    "posinseqslash": posinseqslash,
    "hasnondigit": hasnondigit,
    "iso3166alpha2": iso3166alpha2,
    "iso3166": iso3166,
    "iso3166999": iso3166999,
    "iso4217": _not_checked,
    "iban": _not_checked,
    "couponcode": _not_checked,
    "couponposoffer": _not_checked,
    "packagetype": _not_checked,
}

__all__ = ["CSET82", "LINTERS", "Finding", "Linter", "full_year"]
