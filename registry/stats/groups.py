"""Enterprises and register entries grouped by ward, sector and type, once per version of
the small tables, so a breakdown is set intersections per group instead of a Python pass
over every enterprise and register entry for each dimension on every page view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

# Breakdown name → the attribute enterprises and register entries share.
DIMENSIONS = {"ward": "ward_code", "sector": "sector", "kind": "kind"}

GroupKey = str | None
V = TypeVar("V")


@dataclass(frozen=True)
class EnterpriseFacts:
    id: int
    tax_code: str
    name: str
    ward_code: str | None
    sector: str | None
    kind: str
    status: str
    created_at: dt.datetime
    verified_at: dt.datetime | None


@dataclass(frozen=True)
class RegisterFacts:
    tax_code: str
    ward_code: str | None
    sector: str | None
    kind: str | None


@dataclass(frozen=True)
class Groups:
    # Dimension → group key → enterprise ids, in the order the enterprises were read.
    enterprises: dict[str, dict[GroupKey, tuple[int, ...]]]
    # Dimension → group key → tax codes of register entries (one per entry).
    register: dict[str, dict[GroupKey, tuple[str, ...]]]
    tax_codes: dict[int, str]
    register_codes: tuple[str, ...]

    def codes_of(self, ids: Iterable[int]) -> set[str]:
        return set(map(self.tax_codes.__getitem__, ids))


def _group(items: Iterable[tuple[GroupKey, V]]) -> dict[GroupKey, tuple[V, ...]]:
    grouped: dict[GroupKey, list[V]] = {}
    for key, value in items:
        grouped.setdefault(key, []).append(value)
    return {key: tuple(values) for key, values in grouped.items()}


def group_facts(enterprises: list[EnterpriseFacts], register: list[RegisterFacts]) -> Groups:
    by_enterprise: dict[str, dict[GroupKey, tuple[int, ...]]] = {}
    by_register: dict[str, dict[GroupKey, tuple[str, ...]]] = {}
    for dimension, attribute in DIMENSIONS.items():
        by_enterprise[dimension] = _group((getattr(e, attribute), e.id) for e in enterprises)
        by_register[dimension] = _group((getattr(r, attribute), r.tax_code) for r in register)
    return Groups(
        enterprises=by_enterprise,
        register=by_register,
        tax_codes={e.id: e.tax_code for e in enterprises},
        register_codes=tuple(r.tax_code for r in register),
    )
