"""Files the way Excel on Vietnamese Windows saves them."""

from __future__ import annotations

import unicodedata

TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def windows_1258(text: str) -> bytes:
    """What "CSV (Comma delimited)" is on Vietnamese Windows: code page 1258, tones as
    combining marks after the letters the code page has (ă, â, ê, ô, ơ, ư, đ, plain vowels)."""
    out = []
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
        tones = "".join(c for c in decomposed if c in TONE_MARKS)
        try:
            out.append(char.encode("cp1258"))
        except UnicodeEncodeError:
            out.append((base + tones).encode("cp1258"))
    return b"".join(out)
