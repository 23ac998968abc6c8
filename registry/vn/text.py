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


# The Vietnamese alphabet orders a < ă < â, d < đ, e < ê, o < ô < ơ, u < ư; tones come
# second, in dictionary order: level, grave, hook, tilde, acute, dot below.
_LETTER_MARKS = {"\u0306": 1, "\u0302": 2, "\u031b": 3}
_TONE_MARKS = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_STROKED_D = 4  # after any other mark, so that đ follows every d


def vietnamese_sort_key(text: str) -> tuple[tuple[tuple[str, int], ...], tuple[int, ...], str]:
    """A key that sorts Vietnamese names the way a dictionary does.

    "Cái Bè" < "Cao Lãnh" < "Chợ Gạo" (a plain code-point or accent-stripped sort puts
    them otherwise), "Đông" after every "Dương", "Ơn" after "Ông".
    """
    letters: list[tuple[str, int]] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFD", text.casefold()):
        if char in _LETTER_MARKS and letters:
            base, _ = letters[-1]
            letters[-1] = (base, _LETTER_MARKS[char])
        elif char in _TONE_MARKS:
            if tones:
                tones[-1] = _TONE_MARKS[char]
        elif unicodedata.combining(char):
            continue
        elif char == "đ":
            letters.append(("d", _STROKED_D))
            tones.append(0)
        else:
            letters.append((char, 0))
            tones.append(0)
    return tuple(letters), tuple(tones), text
