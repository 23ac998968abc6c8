"""What any text sent to the registry may hold, checked before the database sees it.

PostgreSQL cannot store NUL and refuses lone surrogates (invalid UTF-8); the other
control characters are invisible on every page and label that shows the text, and the
bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069)
silently reorder what a page, label or dossier shows ("Trojan source"); Vietnamese,
English and Chinese text never needs them. Nor the zero-width characters (U+200B space,
U+200C non-joiner, U+200D joiner, U+2060 word joiner, U+FEFF byte order mark): invisible,
they make two names or codes that look equal differ ("Kho\u200bA" and "KhoA"), in
searches, duplicate checks and what an officer compares by eye.
One exception, in free text only (descriptions, notes, messages, reasons, notices,
warnings): the zero-width joiner between two pictographs, where it is part of an emoji
(👩‍🌾 is woman, U+200D, ear of rice), which a consumer's report may well hold. In names,
codes and every other field it is refused like the others: no Vietnamese, English or
Chinese name needs it, and an unknown emoji pair looks the same with or without it.
Tab, line feed and carriage return stay allowed: multi-line fields use them.
"""

from __future__ import annotations

import re
from decimal import Decimal

from registry.errors import FieldProblem, InvalidInput

_ALWAYS_FORBIDDEN = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200c\u2060\u202a-\u202e\u2066-\u2069"
    "\ufeff\ud800-\udfff"
)
FORBIDDEN_CHARACTER = re.compile(f"[{_ALWAYS_FORBIDDEN}\u200d]")
# What an emoji ZWJ sequence joins (Unicode TS #51): pictographs, before the joiner also
# a variation selector-16 or skin tone (U+1F3FB–U+1F3FF, inside the last range).
_PICTOGRAPH = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u21ff\u2300-\u2bff\u3030\u303d"
    "\U0001f000-\U0001faff"
)
FORBIDDEN_IN_FREE_TEXT = re.compile(
    f"[{_ALWAYS_FORBIDDEN}]|(?<![{_PICTOGRAPH}\ufe0f])\u200d|\u200d(?![{_PICTOGRAPH}])"
)
_FREE_TEXT_FIELD = re.compile("description|note|message|reason|notice|warning|comment")
# The longest text any form or API field takes unless it says otherwise
# (product descriptions, the longest free text, are 5,000 characters).
MAX_TEXT_LENGTH = 5000
# Quantities (kilograms, litres, pieces… in the lot's unit): a billion is more than a
# province's yearly harvest of anything, and far inside Numeric(18, 3).
MAX_QUANTITY = Decimal(1_000_000_000)
QUANTITY_PLACES = 3


def is_free_text(field: str) -> bool:
    return _FREE_TEXT_FIELD.search(field) is not None


def forbidden_in(field: str) -> re.Pattern[str]:
    """What the field may not hold: free text allows an emoji's joiner, other fields nothing."""
    return FORBIDDEN_IN_FREE_TEXT if is_free_text(field) else FORBIDDEN_CHARACTER


def forbidden_character(text: str, *, field: str = "") -> str | None:
    """The first character the text may not hold, as U+XXXX, or None. Without `field`, or
    for a field that is not free text, a name or code: no zero-width joiner at all."""
    found = forbidden_in(field).search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def text_problem(
    field: str, text: str, *, max_length: int = MAX_TEXT_LENGTH
) -> FieldProblem | None:
    character = forbidden_character(text, field=field)
    if character is not None:
        return FieldProblem(
            field,
            f"Trường '{field}' chứa ký tự điều khiển không được phép ({character}).",
            f"'{field}' holds a control character that is not allowed ({character}).",
        )
    if len(text) > max_length:
        return FieldProblem(
            field,
            f"Trường '{field}' dài tối đa {max_length} ký tự (đang có {len(text)}).",
            f"'{field}' is at most {max_length} characters long (got {len(text)}).",
        )
    return None


def check_quantity(quantity: Decimal | None, *, field: str = "quantity") -> None:
    """Refuse a quantity that is negative, too large or finer than a thousandth."""
    if quantity is None:
        return
    if not quantity.is_finite() or not 0 <= quantity <= MAX_QUANTITY:
        raise InvalidInput(
            f"Số lượng phải từ 0 đến {MAX_QUANTITY:,}.".replace(",", "."),
            f"The quantity must be between 0 and {MAX_QUANTITY:,}.",
            field=field,
        )
    if quantity != round(quantity, QUANTITY_PLACES):
        raise InvalidInput(
            f"Số lượng có tối đa {QUANTITY_PLACES} chữ số thập phân.",
            f"The quantity has at most {QUANTITY_PLACES} decimal places.",
            field=field,
        )


# Vietnamese writes "1.200,5": "." groups thousands, "," marks the decimals.
_DIGITS = re.compile(r"\d+")
_THOUSANDS = re.compile(r"[1-9]\d{0,2}(\.\d{3})+")
_DECIMAL_POINT = re.compile(r"\d+\.\d+")
_NUMBER_CHARACTERS = re.compile(r"[\d.,]+")
_QUANTITY_SPACES = re.compile(r"[\s\u00a0\u202f]")


def parse_quantity(text: str, *, field: str = "quantity") -> Decimal | None:
    """A quantity as a person in Viet Nam types it; None when left empty.

    "1.200" → 1200, "1.200,5" → 1200.5, "1,5" → 1.5, "1200.5" → 1200.5 (a dot not
    followed by a group of three digits cannot be a thousands mark). "1,200.5" and
    "1.20.000" are refused: guessing would store a number a thousand times off.
    """
    compact = _QUANTITY_SPACES.sub("", text)
    if not compact:
        return None
    if not _NUMBER_CHARACTERS.fullmatch(compact):
        raise InvalidInput(
            "Số lượng phải là một số không âm, ví dụ 1.200 hoặc 12,5.",
            "The quantity must be a number of zero or more, like 1.200 or 12,5.",
            field=field,
        )
    whole, comma, decimals = compact.partition(",")
    if comma and not _DIGITS.fullmatch(decimals):
        raise _ambiguous_quantity(field)
    if _DIGITS.fullmatch(whole):
        number = whole
    elif _THOUSANDS.fullmatch(whole):
        number = whole.replace(".", "")
    elif not comma and _DECIMAL_POINT.fullmatch(whole):
        number = whole  # "1200.5", "0.125": a decimal point, never a thousands group
    else:
        raise _ambiguous_quantity(field)
    quantity = Decimal(f"{number}.{decimals}" if comma else number)
    check_quantity(quantity, field=field)
    return quantity


def _ambiguous_quantity(field: str) -> InvalidInput:
    return InvalidInput(
        "Số lượng chưa rõ. Viết như 1.200 (một nghìn hai trăm) hoặc 1.200,5"
        " (dấu chấm ngăn hàng nghìn, dấu phẩy trước phần lẻ).",
        "The quantity is unclear. Write it like 1.200 (one thousand two hundred) or"
        " 1.200,5 (a dot between thousands, a comma before the decimals).",
        field=field,
    )


def format_quantity(quantity: Decimal | None) -> str:
    """The Vietnamese way, as parse_quantity reads it back: 1200.5 → "1.200,5"."""
    if quantity is None:
        return ""
    whole, _, decimals = f"{quantity.normalize():f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{grouped},{decimals}" if decimals else grouped
