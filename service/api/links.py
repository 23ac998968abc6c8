"""JSON API for an enterprise's own resolver links (included under /api/v1)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from registry.links import service as links
from registry.links.models import AnchorLevel, ResolverLink
from registry.resolution.verdict import ResolverCaches
from registry.schemas import In
from service.api.common import RecordId
from service.deps import CurrentActor, SessionDep, SettingsDep
from service.resolver.lifecycle import resolver_caches

router = APIRouter(prefix="/links", tags=["links"])
CachesDep = Annotated[ResolverCaches, Depends(resolver_caches)]
_REASON = "Why: required from agency staff changing an enterprise's link; kept in the audit log"


class LinkIn(In):
    anchor: str = Field(
        max_length=1000,
        description="Digital Link URI or path: /01/{gtin}[/10/{lot}[/21/{serial}]]",
    )
    link_type: str = Field(
        max_length=200,
        description="GS1 link type, e.g. gs1:pip or https://ref.gs1.org/voc/pip",
    )
    href: str = Field(max_length=1000)
    title: str = Field(max_length=300)
    language: str | None = Field(default=None, max_length=8)
    media_type: str | None = Field(default=None, max_length=100)
    is_default: bool = False
    reason: str | None = Field(default=None, max_length=2000, description=_REASON)


class LinkChanges(In):
    link_type: str | None = Field(default=None, max_length=200)
    href: str | None = Field(default=None, max_length=1000)
    title: str | None = Field(default=None, max_length=300)
    language: str | None = Field(default=None, max_length=8)
    media_type: str | None = Field(default=None, max_length=100)
    is_default: bool | None = None
    reason: str | None = Field(default=None, max_length=2000, description=_REASON)


class LinkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    enterprise_id: int
    anchor: str
    level: AnchorLevel
    link_type: str
    href: str
    title: str
    language: str | None
    media_type: str | None
    is_default: bool
    created_at: dt.datetime
    updated_at: dt.datetime


def _out(row: ResolverLink) -> LinkOut:
    return LinkOut.model_validate(row)


def _forget(caches: ResolverCaches, row: ResolverLink) -> None:
    """This process resolves with the change at once; others within the cache's TTL."""
    caches.forget_gtin(row.anchor.split("/")[2])


@router.get("")
def list_links(
    session: SessionDep, settings: SettingsDep, actor: CurrentActor, anchor: str | None = None
) -> list[LinkOut]:
    rows = links.list_links(session, actor=actor, anchor=anchor, base=settings.public_base_url)
    return [_out(row) for row in rows]


@router.post("", status_code=201)
def create_link(
    body: LinkIn,
    session: SessionDep,
    settings: SettingsDep,
    actor: CurrentActor,
    caches: CachesDep,
) -> LinkOut:
    row = links.create_link(
        session, actor=actor, base=settings.public_base_url, **body.model_dump()
    )
    _forget(caches, row)
    return _out(row)


@router.get("/{link_id}")
def get_link(link_id: RecordId, session: SessionDep, actor: CurrentActor) -> LinkOut:
    return _out(links.get_link(session, actor=actor, link_id=link_id))


@router.patch("/{link_id}")
def update_link(
    link_id: RecordId,
    body: LinkChanges,
    session: SessionDep,
    actor: CurrentActor,
    caches: CachesDep,
) -> LinkOut:
    changes = body.model_dump(exclude_unset=True)
    reason = changes.pop("reason", None)
    row = links.update_link(session, actor=actor, link_id=link_id, changes=changes, reason=reason)
    _forget(caches, row)
    return _out(row)


@router.delete("/{link_id}", status_code=204)
def delete_link(
    link_id: RecordId,
    session: SessionDep,
    actor: CurrentActor,
    caches: CachesDep,
    reason: Annotated[str | None, Query(max_length=1000, description=_REASON)] = None,
) -> Response:
    row = links.get_link(session, actor=actor, link_id=link_id)
    links.delete_link(session, actor=actor, link_id=link_id, reason=reason)
    _forget(caches, row)
    return Response(status_code=204)
