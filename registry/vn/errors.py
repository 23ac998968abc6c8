"""The one error type of the Vietnamese rules, with its reason in Vietnamese and English."""

from __future__ import annotations


class VNRuleError(ValueError):
    """A value breaks a Vietnamese rule (tax code, company prefix, administrative unit).

    `reason` is a stable machine-readable slug (for tests and API clients);
    `field` names the input it concerns, when there is one.
    """

    def __init__(
        self, *, reason: str, message_vi: str, message_en: str, field: str | None = None
    ) -> None:
        super().__init__(message_en)
        self.reason = reason
        self.message_vi = message_vi
        self.message_en = message_en
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        return {
            "field": self.field,
            "reason": self.reason,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
        }
