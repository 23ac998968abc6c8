"""What any text sent to the registry may hold, checked before the database sees it.

PostgreSQL cannot store NUL and refuses lone surrogates (invalid UTF-8); the other
control characters are invisible on every page and label that shows the text.
Tab, line feed and carriage return stay allowed: multi-line fields use them.
"""

from __future__ import annotations

import re
from decimal import Decimal

from registry.errors import FieldProblem, InvalidInput

FORBIDDEN_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# The longest text any form or API field takes unless it says otherwise
# (product descriptions, the longest free text, are 5,000 characters).
MAX_TEXT_LENGTH = 5000
# Quantities (kilograms, litres, pieces… in the lot's unit): a billion is more than a
# province's yearly harvest of anything, and far inside Numeric(18, 3).
MAX_QUANTITY = Decimal(1_000_000_000)
QUANTITY_PLACES = 3


def forbidden_character(text: str) -> str | None:
    """The first character the text may not hold, as U+XXXX, or None."""
    found = FORBIDDEN_CHARACTER.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def text_problem(
    field: str, text: str, *, max_length: int = MAX_TEXT_LENGTH
) -> FieldProblem | None:
    character = forbidden_character(text)
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
