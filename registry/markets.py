"""Importing markets: ISO 3166-1 alpha-2 country codes, named in Vietnamese and English.

A base value module: lots and market codes both speak of markets, neither owns them."""

from __future__ import annotations

from functools import cache

import pycountry

from registry.errors import InvalidInput

# The markets Dong Thap's fruit and shrimp go to, named the Vietnamese way.
MARKET_NAMES_VI = {
    "CN": "Trung Quốc",
    "AU": "Úc",
    "US": "Hoa Kỳ",
    "JP": "Nhật Bản",
    "KR": "Hàn Quốc",
    "NZ": "New Zealand",
    "TW": "Đài Loan",
    "TH": "Thái Lan",
    "GB": "Vương quốc Anh",
    "CA": "Canada",
    "SG": "Singapore",
    "IN": "Ấn Độ",
    "RU": "Nga",
}


@cache
def _alpha2_names() -> dict[str, str]:
    return {country.alpha_2: country.name for country in pycountry.countries}


def checked_market(value: str, *, field: str = "export_market") -> str:
    """An importing market as ISO 3166-1 alpha-2 (ISO's current list), upper case."""
    market = value.strip().upper()
    if market not in _alpha2_names():
        raise InvalidInput(
            "Thị trường nhập khẩu phải là mã quốc gia ISO 3166-1 hai chữ cái (ví dụ CN, AU).",
            "The importing market must be an ISO 3166-1 two-letter country code (e.g. CN, AU).",
            field=field,
        )
    return market


def market_names(market: str) -> tuple[str, str]:
    """The market as people read it, Vietnamese and English: ("Trung Quốc (CN)", "China (CN)")."""
    english = _alpha2_names().get(market, market)
    return f"{MARKET_NAMES_VI.get(market, english)} ({market})", f"{english} ({market})"
