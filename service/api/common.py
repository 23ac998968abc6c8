"""Pieces every API module shares: paging parameters and page conversion."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel

from registry.actor import Actor
from registry.enterprises.models import Enterprise
from registry.enterprises.service import get_enterprise
from registry.errors import InvalidInput
from registry.pagination import Page
from registry.schemas import MAX_ID

RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="Record id")]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
QueryId = Annotated[int, Query(ge=1, le=MAX_ID)]
PageNumber = Annotated[int, Query(ge=1, le=100_000, description="Page number, from 1")]
PerPage = Annotated[int, Query(ge=1, le=200, description="Items per page")]


def page_out(page: Page[Any], schema: type[BaseModel]) -> dict[str, Any]:
    return {
        "items": [schema.model_validate(item) for item in page.items],
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
    }


def target_enterprise(session: Any, actor: Actor, enterprise_id: int | None) -> Enterprise:
    """The enterprise a write is for: the user's own, or the one agency staff name."""
    if enterprise_id is None:
        if actor.enterprise_id is None:
            raise InvalidInput(
                "Cần chọn doanh nghiệp.", "An enterprise_id is required.", field="enterprise_id"
            )
        enterprise_id = actor.enterprise_id
    return get_enterprise(session, actor=actor, enterprise_id=enterprise_id)
