"""Which AIs need or exclude which others (GS1 General Specifications §4.13)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from registry.gs1.ai import AI_TABLE
from registry.gs1.errors import GS1Problem, problem


def _matches(pattern: str, code: str) -> bool:
    if len(pattern) != len(code):
        return False
    if "n" not in pattern:
        return pattern == code
    return all(p == "n" or p == c for p, c in zip(pattern, code, strict=True))


def _present(pattern: str, codes: Sequence[str]) -> bool:
    return any(_matches(pattern, code) for code in codes)


def association_problems(codes: Sequence[str]) -> list[GS1Problem]:
    """Mandatory pairings missing and invalid pairings present among `codes`."""
    return list(_association_problems(tuple(codes)))


# The same few AI combinations recur on every scan of a label; remember their verdict.
@lru_cache(maxsize=4096)
def _association_problems(codes: tuple[str, ...]) -> tuple[GS1Problem, ...]:
    problems: list[GS1Problem] = []
    for code in codes:
        entry = AI_TABLE[code]
        for group in entry.requires:
            if not any(all(_present(p, codes) for p in alternative) for alternative in group):
                wanted = ", ".join("+".join(alternative) for alternative in group)
                problems.append(
                    problem(
                        code,
                        f"phải đi kèm một trong các AI: {wanted}",
                        f"requires one of the AIs {wanted}",
                    )
                )
        for pattern in entry.excludes:
            clash = next((c for c in codes if c != code and _matches(pattern, c)), None)
            if clash is not None:
                problems.append(
                    problem(
                        code,
                        f"không được đi cùng AI ({clash})",
                        f"must not appear together with AI ({clash})",
                    )
                )
    return tuple(problems)


def duplicate_problems(codes: Sequence[str]) -> list[GS1Problem]:
    seen: set[str] = set()
    problems: list[GS1Problem] = []
    for code in codes:
        if code in seen:
            problems.append(problem(code, "xuất hiện nhiều lần", "appears more than once"))
        seen.add(code)
    return problems
