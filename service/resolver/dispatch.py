"""Scans skip the app's route table: Digital Link paths go straight to the resolver.

The resolver's catch-all `/{key}/{rest:path}` must come last in the app, so every scan
would first be tried against every other route, then pass the session middleware,
though a consumer has no session. `ResolverDispatch` sits between the request
middleware (request id, security headers, metrics, access log: still applied) and the
session middleware, and sends GET, HEAD and OPTIONS on `/{digits}/…` and
`/p/{digits}/…` to the same endpoints, chosen by method and prefix (no route table),
with the app's own error handlers. Anything else, and any other method, goes on to the
app as before.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from registry.errors import RateLimited
from registry.links.service import CONSUMER_PAGE_PREFIX
from registry.scans.device import network_of
from service.ratelimit import NetworkLimits
from service.resolver.answers import CORS_HEADERS
from service.resolver.page import rate_limited_response
from service.resolver.router import answer_scan, preflight

# GS1 Digital Link URI Syntax 1.4 §4: every primary key is a numeric AI.
RESOLVER_PATH = re.compile(rf"^(?:{CONSUMER_PAGE_PREFIX})?/\d+/")
RESOLVER_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def _consumer_page(request: Request) -> Response:
    return await answer_scan(request, on_page=True)


async def _preflight(request: Request) -> Response:
    return preflight(request.path_params["key"], request.path_params["rest"])


async def _resolve(request: Request) -> Response:
    return await answer_scan(request, on_page=False)


def _with_cors(handler: Callable[..., Any]) -> Callable[..., Any]:
    async def handle(request: Request, exc: Exception) -> Response:
        if inspect.iscoroutinefunction(handler):
            response: Response = await handler(request, exc)
        else:
            response = await run_in_threadpool(handler, request, exc)
        for name, value in CORS_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return handle


def is_resolver_request(scope: Scope) -> bool:
    return (
        scope["type"] == "http"
        and scope["method"] in RESOLVER_METHODS
        and RESOLVER_PATH.match(scope["path"]) is not None
    )


class ResolverDispatch:
    """Pure ASGI middleware; `owner` is the app, whose error handlers and routes
    (for `url_for`) the resolver shares."""

    def __init__(self, app: ASGIApp, *, owner: Starlette) -> None:
        self.app = app
        self.owner = owner
        # The app's own templates, so access logs and metrics name the same routes.
        self.page_route = Route(
            f"{CONSUMER_PAGE_PREFIX}/{{rest:path}}", _consumer_page, methods=["GET", "HEAD"]
        )
        self.preflight_route = Route("/{key}/{rest:path}", _preflight, methods=["OPTIONS"])
        self.resolve_route = Route("/{key}/{rest:path}", _resolve, methods=["GET", "HEAD"])
        # Unexpected errors (Exception, 500) are left to the app's outermost
        # ServerErrorMiddleware, exactly as for every other route. The others (a 503
        # while the database is down) carry the resolver's CORS headers, as its own
        # answers do.
        self.handlers = {
            kind: _with_cors(handler)
            for kind, handler in owner.exception_handlers.items()
            if kind not in (500, Exception)
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_resolver_request(scope):
            await self.app(scope, receive, send)
            return
        scope["router"] = self.owner.router
        refused = _over_limit(scope, self.owner.state.network_limits)
        if refused is not None:
            # Refused before anything is resolved: a scan over the limit is not counted.
            response = rate_limited_response(Request(scope), refused, headers=CORS_HEADERS)
            await response(scope, receive, send)
            return
        # The route is known from the method and the prefix alone (RESOLVER_PATH): no
        # route table to walk, one Request for the whole answer.
        if scope["method"] == "OPTIONS":
            route = self.preflight_route
        elif scope["path"].startswith(CONSUMER_PAGE_PREFIX + "/"):
            route = self.page_route
        else:
            route = self.resolve_route
        match = route.path_regex.match(scope["path"])
        assert match is not None  # RESOLVER_PATH is narrower than every template
        scope["route"] = route
        scope["endpoint"] = route.endpoint
        scope["path_params"] = match.groupdict()
        request = Request(scope, receive, send)
        try:
            response = await route.endpoint(request)
        except Exception as error:
            handler = self._handler_for(error)
            if handler is None:
                raise
            response = await handler(request, error)
        await response(scope, receive, send)

    def _handler_for(self, error: Exception) -> Callable[..., Any] | None:
        """As Starlette's ExceptionMiddleware looks one up: by status, then by class."""
        if isinstance(error, HTTPException) and error.status_code in self.handlers:
            return self.handlers[error.status_code]
        return next((self.handlers[k] for k in type(error).__mro__ if k in self.handlers), None)


def _over_limit(scope: Scope, limits: NetworkLimits) -> RateLimited | None:
    if scope["method"] == "OPTIONS":
        return None
    client = scope.get("client")
    network = network_of(client[0] if client else "unknown")
    buckets = (
        limits.page if scope["path"].startswith(CONSUMER_PAGE_PREFIX + "/") else limits.resolver
    )
    try:
        limits.check(buckets, network)
    except RateLimited as refused:
        return refused
    return None
