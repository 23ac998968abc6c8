"""WebSocket subscriptions (REST binding GET /queries/{queryName}/events with Upgrade).

`?stream=true` sends each matching event as it is stored; schedule parameters (`second`,
`minute`, `hour`, `dayOfMonth`, `month`, `dayOfWeek`) send what is new at those times.
Each message is an EPCISQueryDocument. Only an API key opens one (Authorization: Bearer
or X-API-Key): a browser would send its session cookie to a socket opened by any site, so
cookies are not taken here. The subscription is kept in the database while the socket is
open (listed with the query's subscriptions, ended with the query); all database work
runs in threads, the loop only waits and sends.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Final

from anyio import to_thread
from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import Response

from registry.accounts.service import authenticate_api_key
from registry.db import unit_of_work, utcnow
from registry.enterprises.models import Enterprise
from registry.enterprises.policy import Deed, ensure_allows
from registry.errors import TruyxuatError, Unauthorized
from registry.subscriptions.delivery import (
    Batch,
    SubscriptionEnded,
    leave_socket,
    record_outcome,
    resume_socket,
    socket_batch,
)
from registry.subscriptions.named_queries import find_named_query
from registry.subscriptions.schedule import FIELDS as SCHEDULE_FIELDS
from registry.subscriptions.service import WEBSOCKET, find_subscription, subscribe
from service.problems import problem_response
from service.state import AppState

router = APIRouter()
# The binding's subscription parameters of this endpoint (GS1-Query-*).
_FLAGS: Final = ("stream", "reportIfEmpty")


def _controls(parameters: dict[str, str]) -> dict[str, Any]:
    controls: dict[str, Any] = {}
    schedule = {name: parameters.pop(name) for name in SCHEDULE_FIELDS if name in parameters}
    if schedule:
        controls["schedule"] = schedule
    for name in _FLAGS:
        if name in parameters:
            raw = parameters.pop(name).lower()
            controls[name] = True if raw == "true" else False if raw == "false" else raw
    if "initialRecordTime" in parameters:
        controls["initialRecordTime"] = parameters.pop("initialRecordTime")
    for name in parameters:
        controls[name] = parameters[name]  # refused by subscribe(), naming it
    return controls


def _secret(websocket: WebSocket) -> str:
    header = websocket.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return websocket.headers.get("x-api-key", "").strip()


def _open(
    state: AppState, *, secret: str, query_name: str, controls: dict[str, Any]
) -> tuple[str, float]:
    """Store the subscription, or take up the one named by `subscriptionID`; its id.
    Raises the domain error that refuses it."""
    if not secret:
        raise Unauthorized("Cần khóa API.", "An API key is required.")
    settings = state.settings
    with unit_of_work(state.write_sessions) as session:
        actor = authenticate_api_key(session, secret)
        if actor.enterprise_id is not None and not actor.is_agency:
            enterprise = session.get(Enterprise, actor.enterprise_id)
            if enterprise is not None:
                ensure_allows(enterprise, Deed.read)
        named = find_named_query(session, actor=actor, name=query_name)
        resumed = controls.pop("subscriptionID", None)
        if resumed is not None:
            subscription = find_subscription(session, query=named, subscription_id=resumed)
            resume_socket(session, subscription=subscription, now=utcnow())
            return subscription.id, settings.subscription_poll_seconds
        subscription = subscribe(
            session,
            actor=actor,
            query=named,
            controls=controls,
            kind=WEBSOCKET,
            allowed_networks=[],
            most=settings.subscriptions_max,
        )
        return subscription.id, settings.subscription_poll_seconds


def _next(state: AppState, subscription_id: str) -> Batch | None:
    """The next batch to send, if any. Looking is a read: an idle socket takes no write
    lock."""
    with unit_of_work(state.read_sessions) as session:
        return socket_batch(session, subscription_id=subscription_id, now=utcnow())


def _sent(state: AppState, batch: Batch) -> None:
    """Record the batch as sent (or, with no body, the events looked at as done)."""
    with unit_of_work(state.write_sessions) as session:
        record_outcome(
            session,
            batch=batch,
            error=None,
            retry_first_seconds=state.settings.webhook_retry_seconds,
            max_attempts=state.settings.webhook_max_attempts,
        )


def _leave(state: AppState, subscription_id: str) -> None:
    with unit_of_work(state.write_sessions) as session:
        leave_socket(session, subscription_id=subscription_id, now=utcnow())


def _problem(websocket: WebSocket, error: TruyxuatError) -> Response:
    """The refusal as the HTTP routes answer it: the handshake is a GET of the same path."""
    request = Request({**websocket.scope, "type": "http", "method": "GET"})
    return problem_response(request, error)


@router.websocket("/epcis/queries/{query_name}/events")
async def query_socket(websocket: WebSocket, query_name: str) -> None:
    state: AppState = websocket.app.state.truyxuat
    controls = _controls(dict(websocket.query_params))
    try:
        subscription_id, poll = await to_thread.run_sync(
            lambda: _open(
                state, secret=_secret(websocket), query_name=query_name, controls=controls
            )
        )
    except TruyxuatError as exc:
        await websocket.send_denial_response(_problem(websocket, exc))
        return
    await websocket.accept()
    try:
        while True:
            try:
                batch = await to_thread.run_sync(_next, state, subscription_id)
            except SubscriptionEnded:
                await websocket.close(code=1000, reason="subscription ended")
                return
            if batch is not None and batch.body is not None:
                await websocket.send_text(batch.body.decode())
            if batch is not None and (batch.body or batch.cursor_to != batch.cursor_from):
                # Only once the frame is out: a batch lost with the connection is resent
                # to the subscriber that resumes.
                await to_thread.run_sync(_sent, state, batch)
                continue
            with contextlib.suppress(TimeoutError):
                message = await asyncio.wait_for(websocket.receive(), timeout=poll)
                if message["type"] == "websocket.disconnect":
                    return
    except WebSocketDisconnect:
        return
    finally:
        await to_thread.run_sync(_leave, state, subscription_id)
