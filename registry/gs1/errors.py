"""Typed errors for GS1 data: each problem names the AI and where it is, in vi and en."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class GS1Problem:
    """One thing wrong with GS1 data.

    `position` is a 0-based character offset into the input that was parsed
    (the element string, the URI, or the bare value), when it is known.
    """

    ai: str | None
    position: int | None
    message_vi: str
    message_en: str

    def as_dict(self) -> dict[str, str | int | None]:
        return {
            "ai": self.ai,
            "position": self.position,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
        }


class GS1Error(ValueError):
    """GS1 data failed validation; `problems` lists every problem found (at least one)."""

    def __init__(self, problems: Iterable[GS1Problem]) -> None:
        self.problems: list[GS1Problem] = list(problems)
        if not self.problems:
            raise ValueError("GS1Error needs at least one problem")
        super().__init__("; ".join(p.message_en for p in self.problems))

    @property
    def ai(self) -> str | None:
        return self.problems[0].ai

    @property
    def position(self) -> int | None:
        return self.problems[0].position

    @property
    def message_vi(self) -> str:
        return self.problems[0].message_vi

    @property
    def message_en(self) -> str:
        return self.problems[0].message_en


def problem(ai: str | None, vi: str, en: str, position: int | None = None) -> GS1Problem:
    """Build a problem, prefixing both messages with "AI (xx): " when an AI is named."""
    if ai is not None:
        vi = f"AI ({ai}): {vi}"
        en = f"AI ({ai}): {en}"
    return GS1Problem(ai=ai, position=position, message_vi=vi, message_en=en)


def fail(ai: str | None, vi: str, en: str, position: int | None = None) -> GS1Error:
    """A GS1Error with a single problem (to be raised by the caller)."""
    return GS1Error([problem(ai, vi, en, position)])
