"""Units people choose from a list: stored as UN/ECE Recommendation 20 codes (EPCIS uom),
shown by their everyday Vietnamese names (the API accepts any 2–3 character code).
Imports nothing else of the project."""

from __future__ import annotations

COMMON_UNITS = {
    "KGM": "kg",
    "TNE": "tấn",
    "GRM": "g",
    "LTR": "lít",
    "H87": "cái",
    "XBX": "hộp",
    "XBG": "bao",
    "XBO": "chai",
}


def unit_name(code: str | None) -> str:
    """ "KGM" → "kg"; a code outside the list stays as it is (an API may send any)."""
    if not code:
        return ""
    return COMMON_UNITS.get(code, code)
