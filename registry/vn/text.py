"""Vietnamese text helpers: accent-insensitive matching and ASCII suggestions."""

from __future__ import annotations

import re
import unicodedata

# Đ/đ is a letter of its own in Unicode (no decomposition), so NFD alone keeps it.
_D_WITH_STROKE = str.maketrans({"đ": "d", "Đ": "D"})

# GS1 General Specifications Figure 7.11-1 (GS1 AI encodable character set 82).
_NOT_CSET82_NOR_SPACE = re.compile(r"[^!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z\s]")
_WHITESPACE = re.compile(r"\s+")


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.translate(_D_WITH_STROKE))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold_vietnamese(text: str) -> str:
    """Lowercase, diacritics removed, đ → d, runs of whitespace as one space.

    "  Xã  Vĩnh Kim " → "xa vinh kim"; both "Hòa" and the older "Hoà" spelling → "hoa".
    """
    return _WHITESPACE.sub(" ", _strip_marks(text).casefold()).strip()


def suggest_ascii(text: str) -> str:
    """The same text in plain ASCII, case kept: "Lô Xoài Hòa Lộc-01" → "Lo Xoai Hoa Loc-01".

    Characters with no ASCII base letter are dropped.
    """
    plain = unicodedata.normalize("NFC", _strip_marks(text))
    return plain.encode("ascii", "ignore").decode("ascii")


def suggest_cset82(text: str) -> str:
    """A GS1 CSET 82 form of `text` (for a lot or serial): "Lô Xoài 01" → "Lo-Xoai-01".

    Whitespace becomes "-", other characters outside CSET 82 are dropped; the length
    limit of the AI is left to the caller.
    """
    kept = _NOT_CSET82_NOR_SPACE.sub("", suggest_ascii(text))
    return _WHITESPACE.sub("-", kept.strip())
