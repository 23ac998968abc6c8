"""The error every label-rendering refusal raises: one message in Vietnamese, one in English."""

from __future__ import annotations


class LabelError(ValueError):
    """Data or a size that must not be printed; never silently corrected."""

    def __init__(self, message_vi: str, message_en: str, *, field: str | None = None) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en
        self.field = field

    def __str__(self) -> str:
        return f"{self.message_vi} / {self.message_en}"
