"""One error family for the whole domain.

Every error carries a Vietnamese and an English message and, where it concerns
one input, the field it concerns. The web layer turns them into RFC 9457 problem
JSON or a friendly page; services never raise HTTP errors themselves.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one input field."""

    field: str
    message_vi: str
    message_en: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message_vi": self.message_vi, "message_en": self.message_en}


@dataclass
class TruyxuatError(Exception):
    """Base of all domain errors; `status` is the HTTP status it maps to."""

    message_vi: str
    message_en: str
    field: str | None = None
    problems: list[FieldProblem] = dataclasses.field(default_factory=list)

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __post_init__(self) -> None:
        super().__init__(self.message_en)
        if self.field and not self.problems:
            self.problems = [FieldProblem(self.field, self.message_vi, self.message_en)]

    def __str__(self) -> str:
        return self.message_en

    def __reduce__(self) -> tuple[type[TruyxuatError], tuple[object, ...]]:
        # Raised in a worker process, re-raised in the server (pickled both ways).
        return (type(self), (self.message_vi, self.message_en, self.field, self.problems))


class InvalidInput(TruyxuatError):
    status = 422
    slug = "invalid-input"
    title = "Invalid input"


class NotFound(TruyxuatError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(TruyxuatError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class Unauthorized(TruyxuatError):
    status = 401
    slug = "unauthorized"
    title = "Authentication required"


class Forbidden(TruyxuatError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


class Exhausted(Conflict):
    slug = "exhausted"
    title = "Capacity exhausted"


@dataclass
class RateLimited(TruyxuatError):
    """`retry_after`: whole seconds until the next request would be allowed."""

    retry_after: int = 60

    status = 429
    slug = "rate-limited"
    title = "Too many requests"
