"""EPCIS 2.0 REST binding: named queries (/queries) and their webhook subscriptions."""

from __future__ import annotations

import json
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from registry.events.documents import iso
from registry.subscriptions.destinations import allowed_networks
from registry.subscriptions.models import NamedQuery, Subscription
from registry.subscriptions.named_queries import (
    InvalidQueryDefinition,
    create_named_query,
    find_named_query,
    named_queries,
    query_parameters,
)
from registry.subscriptions.service import (
    WEBHOOK,
    delete_named_query,
    find_subscription,
    subscribe,
    subscriptions_of,
    unsubscribe,
)
from service.deps import CurrentActor, SessionDep, SettingsDep
from service.epcis.browser_writes import refuse_cross_site_writes
from service.epcis.media import JSON_TYPES, request_notation
from service.epcis.router import _events_response, _json
from service.request_body import BodyTooLarge, read_body_within
from service.status_doors import api_door

router = APIRouter(prefix="/epcis/queries", tags=["epcis"], dependencies=[Depends(api_door)])

# A query definition or subscription is a few hundred bytes; this leaves room for long
# lists of identifiers and stops anything larger before it is parsed.
DEFINITION_BYTES: Final = 64 * 1024


class DefinitionTooLarge(InvalidQueryDefinition):
    status = 413
    slug = "epcis-query-definition-too-large"
    title = "EPCIS query definition too large"


async def json_definition(request: Request) -> Any:
    """The JSON body of a query or a subscription: small, so parsed where it is read."""
    request_notation(request, accepted=JSON_TYPES)
    try:
        body = await read_body_within(request, DEFINITION_BYTES)
    except BodyTooLarge as exc:
        raise DefinitionTooLarge(
            f"Nội dung dài tối đa {DEFINITION_BYTES} byte.",
            f"The body may have at most {DEFINITION_BYTES} bytes.",
            field="",
        ) from exc
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise InvalidQueryDefinition(
            "Nội dung không phải JSON hợp lệ.", "The body is not valid JSON.", field=""
        ) from exc


Definition = Annotated[Any, Depends(json_definition)]


def _query_out(named: NamedQuery) -> dict[str, Any]:
    return {"name": named.name, "query": named.query}


def _query_path(named: NamedQuery) -> str:
    return f"/epcis/queries/{quote(named.name, safe='')}"


def subscription_out(subscription: Subscription, *, query_name: str) -> dict[str, Any]:
    """The binding's subscription resource; never the signatureToken."""
    body: dict[str, Any] = {
        "subscriptionID": subscription.id,
        "queryName": query_name,
        "createdAt": iso(subscription.created_at),
        "initialRecordTime": iso(subscription.initial_record_time),
    }
    if subscription.dest is not None:
        body["dest"] = subscription.dest
    if subscription.schedule is not None:
        body["schedule"] = subscription.schedule
        body["reportIfEmpty"] = subscription.report_if_empty
    else:
        body["stream"] = True
    if subscription.last_notified_at is not None:
        body["lastNotifiedAt"] = iso(subscription.last_notified_at)
    return body


@router.get("")
def list_queries(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    return _json(request, [_query_out(q) for q in named_queries(session, actor=actor)])


@router.post("", status_code=201, dependencies=[Depends(refuse_cross_site_writes)])
def create_query(
    request: Request,
    session: SessionDep,
    actor: CurrentActor,
    settings: SettingsDep,
    definition: Definition,
) -> Response:
    named = create_named_query(
        session, actor=actor, definition=definition, most=settings.named_queries_max
    )
    return _json(
        request, _query_out(named), status_code=201, headers={"Location": _query_path(named)}
    )


@router.get("/{query_name}")
def get_query(
    query_name: str, request: Request, session: SessionDep, actor: CurrentActor
) -> Response:
    return _json(request, _query_out(find_named_query(session, actor=actor, name=query_name)))


@router.delete("/{query_name}", status_code=204, dependencies=[Depends(refuse_cross_site_writes)])
def delete_query(query_name: str, session: SessionDep, actor: CurrentActor) -> Response:
    """Removes the query and ends every subscription to it, webhook or WebSocket."""
    named = find_named_query(session, actor=actor, name=query_name)
    delete_named_query(session, query=named)
    return Response(status_code=204)


@router.get("/{query_name}/events")
def query_events(
    query_name: str, request: Request, session: SessionDep, actor: CurrentActor
) -> Response:
    """The named query's results, as the caller's own events query would show them."""
    named = find_named_query(session, actor=actor, name=query_name)
    return _events_response(request, session, actor, query_parameters(named.query))


@router.get("/{query_name}/subscriptions")
def list_subscriptions(
    query_name: str, request: Request, session: SessionDep, actor: CurrentActor
) -> Response:
    named = find_named_query(session, actor=actor, name=query_name)
    found = subscriptions_of(session, query=named)
    return _json(request, [subscription_out(s, query_name=named.name) for s in found])


@router.post(
    "/{query_name}/subscriptions",
    status_code=201,
    dependencies=[Depends(refuse_cross_site_writes)],
)
def create_subscription(
    query_name: str,
    request: Request,
    session: SessionDep,
    actor: CurrentActor,
    settings: SettingsDep,
    controls: Definition,
) -> Response:
    named = find_named_query(session, actor=actor, name=query_name)
    subscription = subscribe(
        session,
        actor=actor,
        query=named,
        controls=controls,
        kind=WEBHOOK,
        allowed_networks=allowed_networks(settings.webhook_allowed_networks),
        most=settings.subscriptions_max,
    )
    location = f"{_query_path(named)}/subscriptions/{subscription.id}"
    body = subscription_out(subscription, query_name=named.name)
    return _json(request, body, status_code=201, headers={"Location": location})


@router.get("/{query_name}/subscriptions/{subscription_id}")
def get_subscription(
    query_name: str,
    subscription_id: str,
    request: Request,
    session: SessionDep,
    actor: CurrentActor,
) -> Response:
    named = find_named_query(session, actor=actor, name=query_name)
    found = find_subscription(session, query=named, subscription_id=subscription_id)
    return _json(request, subscription_out(found, query_name=named.name))


@router.delete(
    "/{query_name}/subscriptions/{subscription_id}",
    status_code=204,
    dependencies=[Depends(refuse_cross_site_writes)],
)
def delete_subscription(
    query_name: str, subscription_id: str, session: SessionDep, actor: CurrentActor
) -> Response:
    named = find_named_query(session, actor=actor, name=query_name)
    unsubscribe(
        session,
        subscription=find_subscription(session, query=named, subscription_id=subscription_id),
    )
    return Response(status_code=204)
