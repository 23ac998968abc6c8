"""Errors the scanner client raises, each with a Vietnamese and an English message."""

from __future__ import annotations


class DecodeError(ValueError):
    """The input is not a readable image; an image without any barcode is not an error."""

    def __init__(self, *, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en
