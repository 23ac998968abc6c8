"""Scans reach the resolver ahead of the route table (service.resolver.dispatch), with
the same headers, logs and error pages as every other answer; nothing else changes."""

from __future__ import annotations

import json
import logging
import re
from base64 import b64encode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute, Mount, Route

from registry.settings import Settings
from service.middleware import CONTENT_SECURITY_POLICY, RequestMiddleware
from service.resolver.dispatch import ResolverDispatch, is_resolver_request
from tests.resolver.conftest import World

HTML = {"accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
# The resolver's own routes: Digital Links, compressed Digital Links, consumer pages.
RESOLVER_TEMPLATES = {"/{key}/{rest:path}", "/{segment}", "/p/{rest:path}"}


def _signed_session_cookie(settings: Settings) -> str:
    """A browser session as SessionMiddleware writes it (a signed-in staff member)."""
    data = b64encode(json.dumps({"uid": 1, "csrf": "token"}).encode())
    return TimestampSigner(str(settings.secret_key)).sign(data).decode()


def _assert_common_headers(response: object) -> str:
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert re.fullmatch(r"[0-9a-f]{16}", headers["x-request-id"])
    return str(headers["x-request-id"])


def test_scans_keep_security_headers_request_ids_and_cors(client: TestClient, world: World) -> None:
    ids = set()
    for path, status in (
        (world.path(lot=world.lot, serial=world.serials[0]), 307),
        (f"/p{world.path(lot=world.lot)}", 200),
    ):
        for method in ("GET", "HEAD"):
            response = client.request(method, path, headers=HTML, follow_redirects=False)
            assert response.status_code == status
            ids.add(_assert_common_headers(response))
    preflight = client.options(world.path(), headers={"origin": "https://app.example"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    ids.add(_assert_common_headers(preflight))
    assert len(ids) == 5


def test_errors_keep_problem_json_and_pages(client: TestClient, world: World) -> None:
    bad_check_digit = "/01/09506000134353"
    problem = client.get(bad_check_digit, headers={"accept": "application/json"})
    assert problem.status_code == 400
    assert problem.headers["content-type"] == "application/problem+json"
    assert problem.json()["status"] == 400 and problem.json()["message_en"]
    _assert_common_headers(problem)
    page = client.get(bad_check_digit, headers=HTML)
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    _assert_common_headers(page)
    unknown = client.get(f"/01/{world.unregistered_gtin}", headers={"accept": "application/json"})
    assert unknown.status_code == 404
    assert unknown.json()["status"] == 404
    _assert_common_headers(unknown)
    missing_page = client.get(f"/p/01/{world.unregistered_gtin}", headers=HTML)
    assert missing_page.status_code == 404
    assert "text/html" in missing_page.headers["content-type"]


def test_dispatch_sits_inside_the_request_middleware_outside_the_session(
    app: FastAPI,
) -> None:
    order = [m.cls for m in app.user_middleware]  # outermost first
    assert order.index(RequestMiddleware) < order.index(ResolverDispatch)
    assert order.index(ResolverDispatch) < order.index(SessionMiddleware)


def test_a_staff_session_cookie_changes_nothing_for_a_scan(
    client: TestClient, world: World, settings: Settings
) -> None:
    path = f"/p{world.path(lot=world.lot)}"
    anonymous = client.get(path, headers=HTML)
    client.cookies.set("truyxuat_session", _signed_session_cookie(settings))
    signed_in = client.get(path, headers=HTML)
    assert signed_in.status_code == anonymous.status_code == 200
    assert signed_in.headers["etag"] == anonymous.headers["etag"]
    assert "set-cookie" not in signed_in.headers


def test_other_paths_and_methods_still_reach_the_app(client: TestClient, world: World) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/.well-known/gs1resolver").json()["supportedPrimaryKeys"]
    assert client.get("/p/report", headers=HTML).status_code == 200
    assert client.get("/static/consumer.css").status_code == 200
    not_allowed = client.post(world.path(), headers={"accept": "application/json"})
    assert not_allowed.status_code == 405
    _assert_common_headers(not_allowed)
    not_found = client.get("/no-such/page", headers={"accept": "application/json"})
    assert not_found.status_code == 404
    _assert_common_headers(not_found)


def test_access_log_and_metrics_name_the_same_routes_as_the_app(
    client: TestClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Dispatched answers are logged and counted under the route templates the app's
    own routes give (paths not starting with digits still go through the app)."""
    requests = [
        ("OPTIONS", "/not-a-key/x"),  # the app's preflight route
        ("OPTIONS", world.path()),
        ("GET", "/p/not-a-key"),  # the app's consumer page route
        ("GET", f"/p{world.path()}"),
        ("GET", world.path(lot=world.lot)),
    ]
    with caplog.at_level(logging.INFO, logger="truyxuat.access"):
        for method, path in requests:
            client.request(method, path, headers=HTML, follow_redirects=False)
    fields = [r.fields for r in caplog.records if r.name == "truyxuat.access"]  # type: ignore[attr-defined]
    routes = [(f["route"], f["status"]) for f in fields]
    assert routes[0][0] == routes[1][0] == routes[4][0] != "unmatched"
    assert routes[2][0] == routes[3][0] != "unmatched"
    assert [status for _, status in routes] == [204, 204, 400, 200, 307]
    assert all(re.fullmatch(r"[0-9a-f]{16}", f["request_id"]) for f in fields)


def _all_routes(routes: list[BaseRoute], prefix: str = "") -> list[tuple[str, set[str]]]:
    """(path template, methods) of every route, through mounts and included routers."""
    found = []
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's included router
        if included is not None:
            context = getattr(route, "include_context", None)
            found.extend(_all_routes(included.routes, prefix + getattr(context, "prefix", "")))
        elif isinstance(route, Mount):
            found.append((prefix + route.path + "/x", {"GET"}))
            found.extend(_all_routes(route.routes, prefix + route.path))
        elif isinstance(route, Route) or hasattr(route, "methods"):
            methods = set(getattr(route, "methods", None) or {"GET"})
            found.append((prefix + str(getattr(route, "path", "")), methods))
    return found


def test_no_other_route_is_taken_by_the_dispatcher(app: FastAPI) -> None:
    routes = _all_routes(app.routes)
    assert len(routes) > 20
    for template, methods in routes:
        if template in RESOLVER_TEMPLATES:
            continue
        # Every parameter filled with digits: the likeliest way to look like a key.
        sample = re.sub(r"\{[^}]+\}", "12345", template) + "/1"
        for method in methods:
            scope = {"type": "http", "method": method, "path": sample}
            assert not is_resolver_request(scope), f"{method} {template} would be shadowed"
