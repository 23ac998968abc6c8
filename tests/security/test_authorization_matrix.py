"""Who may do what: every route of the app, asked by each role, against the expected status.

The matrix is data: (method, route) → the request to send and the status expected for
anonymous, enterprise A (the owner of every record in the paths), enterprise B (asking
for A's records), agency staff and an administrator. Another enterprise's records answer
404, never 403, so their existence does not leak. Each route is a test of its own; each
request runs in a savepoint that is rolled back, so the probes do not see each other's writes.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine

from registry.events.steps import CONTEXT, gln_uri, lot_uri
from registry.gs1.compression import compress
from registry.settings import Settings
from service import ratelimit
from service.app import create_app
from tests.app_under_test import app_on, app_state_on, session_on
from tests.factories import epcis_document, unique_tax_code
from tests.in_loop_client import InLoopClient
from tests.security.world import (
    BASE,
    MATRIX_WEBHOOK,
    ROLES,
    World,
    add_named_query,
    build_world,
)

TODAY = dt.date.today().isoformat()
# Two days back: 08:00 +07:00 "today" is still in the future until 01:00 UTC.
# A public address given literally: no name to resolve, and nothing is ever sent there
# (the app under test runs no delivery worker).
EVENT_DAY = (dt.date.today() - dt.timedelta(days=2)).isoformat()
KEY = "key"
SESSION = "session"


@dataclass(frozen=True)
class Probe:
    """One request and the status each role gets: anonymous, A, B, agency, admin."""

    expect: str
    path: str | None = None  # the route's own path when None, with {params} filled
    json: Any = None
    form: dict[str, str] | None = None
    params: dict[str, str] = field(default_factory=dict)
    via: str = KEY

    def statuses(self) -> dict[str, int]:
        codes = [int(code) for code in self.expect.split()]
        assert len(codes) == len(ROLES), self.expect
        return dict(zip(ROLES, codes, strict=True))


def _event_document(w: World) -> dict[str, Any]:
    event = {
        "type": "ObjectEvent",
        "eventTime": f"{EVENT_DAY}T08:00:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "inspecting",
        "quantityList": [{"epcClass": lot_uri(w.lot)}],
        "readPoint": {"id": gln_uri(w.location.gln)},
    }
    return epcis_document(event, day=EVENT_DAY)


def _consignment_body(lot_id: int, location_id: int) -> dict[str, Any]:
    return {
        "location_id": location_id,
        "market": "CN",
        "lots": [{"lot_id": lot_id, "quantity": "10", "unit": "KGM"}],
        "importer": {"name": "Importer", "country": "CN"},
        "certificate_number": "KDTV-1",
        "container_number": "CSQU3054383",
        "departed_on": (dt.date.today() + dt.timedelta(days=3)).isoformat(),
        "port_of_loading": "Cát Lái",
        "port_of_discharge": "Nansha",
    }


def _enterprise_body() -> dict[str, Any]:
    return {"tax_code": unique_tax_code(), "legal_name": "HTX Mới", "kind": "cooperative"}


def matrix(w: World) -> dict[tuple[str, str], Probe]:
    """Every route of the app. Statuses: anonymous, enterprise A, enterprise B, agency, admin."""
    lot, loc, gln = w.lot.id, w.location.id, w.location.gln
    a_id = w.enterprise_a.id
    inputs = [{"lot_id": lot}]
    link = {"anchor": f"/01/{w.gtin}", "link_type": "gs1:pip", "href": "https://x.vn", "title": "T"}
    return {
        # -- accounts
        ("GET", "/api/openapi.json"): Probe("200 200 200 200 200"),
        ("HEAD", "/api/openapi.json"): Probe("200 200 200 200 200"),
        ("POST", "/api/v1/auth/login"): Probe(
            "401 401 401 401 401", json={"email": "nobody@example.vn", "password": "wrong-one"}
        ),
        ("POST", "/api/v1/auth/logout"): Probe("204 204 204 204 204", via=SESSION),
        ("GET", "/api/v1/auth/me"): Probe("401 200 200 200 200"),
        ("GET", "/api/v1/users"): Probe("401 200 200 200 200"),
        # Accounts and keys are made by signed-in people, never by a key.
        ("POST", "/api/v1/users"): Probe(
            "401 403 403 403 403",
            json={
                "email": "moi@example.vn",
                "password": "mat-khau-du-dai-1",
                "role": "enterprise",
                "enterprise_id": a_id,
            },
        ),
        ("GET", "/api/v1/api-keys"): Probe("401 200 200 200 200"),
        ("POST", "/api/v1/api-keys"): Probe(
            "401 403 403 403 403", json={"name": "probe", "role": "agency"}
        ),
        # The owner, signed in, manages the team; officers anyone (with a reason).
        ("POST", "/api/v1/users/{user_id}/deactivate"): Probe(
            "401 403 404 200 200", json={"reason": "Nghỉ việc"}
        ),
        ("POST", "/api/v1/users/{user_id}/reactivate"): Probe(
            "401 403 404 200 200", json={"reason": "Trở lại"}
        ),
        ("DELETE", "/api/v1/api-keys/{key_id}"): Probe("401 204 404 404 204"),
        # -- enterprises
        ("GET", "/api/v1/enterprises"): Probe("401 200 200 200 200"),
        ("POST", "/api/v1/enterprises"): Probe("401 403 403 201 201", json=_enterprise_body()),
        # A sign-up creates an account: not something a key does.
        ("POST", "/api/v1/enterprises/sign-up"): Probe(
            "201 403 403 403 403",
            json={
                **_enterprise_body(),
                "account_email": "dangky@example.vn",
                "account_password": "mat-khau-du-dai-1",
            },
        ),
        ("GET", "/api/v1/enterprises/{enterprise_id}"): Probe("401 200 404 200 200"),
        ("PATCH", "/api/v1/enterprises/{enterprise_id}"): Probe(
            "401 200 404 200 200", json={"phone": "02773000000"}
        ),
        ("POST", "/api/v1/enterprises/{enterprise_id}/verify"): Probe("401 403 403 200 200"),
        ("POST", "/api/v1/enterprises/{enterprise_id}/reject"): Probe(
            "401 403 403 200 200", json={"reason": "Thiếu giấy tờ"}
        ),
        ("POST", "/api/v1/enterprises/{enterprise_id}/suspend"): Probe(
            "401 403 403 200 200", json={"reason": "Vi phạm"}
        ),
        # -- labels
        ("GET", "/api/v1/labels/preview"): Probe(
            "401 200 404 200 200", params={"lot_id": str(lot)}
        ),
        ("GET", "/api/v1/label-runs"): Probe("401 200 200 200 200"),
        ("POST", "/api/v1/label-runs"): Probe(
            "401 202 404 202 202", json={"lot_id": lot, "count": 1}
        ),
        ("GET", "/api/v1/label-runs/{run_id}"): Probe("401 200 404 200 200"),
        # The run was never rendered: 409 "not ready" to those who may see it.
        ("GET", "/api/v1/label-runs/{run_id}/output.pdf"): Probe("401 409 404 409 409"),
        ("GET", "/api/v1/label-runs/{run_id}/uris.csv"): Probe("401 200 404 200 200"),
        ("POST", "/api/v1/label-runs/{run_id}/void"): Probe(
            "401 200 404 200 200", json={"reason": "In lỗi"}
        ),
        # -- prefixes
        ("GET", "/api/v1/prefixes"): Probe("401 200 200 200 200"),
        # Enterprises request prefixes; only the agency records a granted one.
        ("POST", "/api/v1/prefixes"): Probe(
            "401 403 403 201 201",
            json={"prefix": "893612345", "enterprise_id": a_id, "reason": "Giấy GS1 bản gốc"},
        ),
        ("POST", "/api/v1/prefixes/pool"): Probe(
            "401 403 403 403 201",
            json={"prefix": "893623456"},  # the pool is the admin's
        ),
        ("POST", "/api/v1/prefixes/assign"): Probe(
            "401 403 403 409 409", json={"enterprise_id": a_id}
        ),
        ("GET", "/api/v1/prefixes/{prefix_id}"): Probe("401 200 404 200 200"),
        ("GET", "/api/v1/prefix-requests"): Probe("401 200 200 200 200"),
        ("POST", "/api/v1/prefix-requests"): Probe(
            "401 201 404 201 201", json={"source": "pool", "enterprise_id": a_id}
        ),
        ("GET", "/api/v1/prefix-requests/{request_id}"): Probe("401 200 404 200 200"),
        # The world's request names a scan file that is not on disk.
        ("GET", "/api/v1/prefix-requests/{request_id}/certificate-scan"): Probe(
            "401 404 404 404 404"
        ),
        ("POST", "/api/v1/prefix-requests/{request_id}/grant"): Probe(
            "401 403 403 200 200", json={"reason": "Đã đối chiếu bản gốc"}
        ),
        ("POST", "/api/v1/prefix-requests/{request_id}/reject"): Probe(
            "401 403 403 200 200", json={"reason": "Ảnh mờ"}
        ),
        ("GET", "/api/v1/identity-changes"): Probe("401 200 200 200 200"),
        ("GET", "/api/v1/identity-changes/{change_id}"): Probe("401 200 404 200 200"),
        ("POST", "/api/v1/identity-changes/{change_id}/approve"): Probe(
            "401 403 403 200 200", json={}
        ),
        ("POST", "/api/v1/identity-changes/{change_id}/reject"): Probe(
            "401 403 403 200 200", json={"reason": "Thiếu giấy tờ"}
        ),
        # -- products, locations, lots, certificates
        ("GET", "/api/v1/products"): Probe("401 200 200 200 200"),
        ("POST", "/api/v1/products"): Probe(
            "401 201 404 201 201", json={"name_vi": "Bưởi Năm Roi", "enterprise_id": a_id}
        ),
        ("GET", "/api/v1/products/{product_id}"): Probe("401 200 404 200 200"),
        ("PATCH", "/api/v1/products/{product_id}"): Probe(
            "401 200 404 200 200", json={"brand": "Cái Bè"}
        ),
        ("GET", "/api/v1/locations"): Probe("401 200 200 200 200"),
        ("GET", "/api/v1/market-codes"): Probe("401 200 200 200 200"),
        ("GET", "/api/v1/market-codes/{code_id}"): Probe("401 200 404 200 200"),
        ("GET", "/api/v1/market-codes/{code_id}/history"): Probe("401 200 404 200 200"),
        ("POST", "/api/v1/locations"): Probe(
            "401 201 404 201 201", json={"name": "Kho", "kind": "warehouse", "enterprise_id": a_id}
        ),
        ("GET", "/api/v1/locations/{location_id}"): Probe("401 200 404 200 200"),
        ("PATCH", "/api/v1/locations/{location_id}"): Probe(
            "401 200 404 200 200", json={"address": "Ấp 2"}
        ),
        ("GET", "/api/v1/lots"): Probe("401 200 200 200 200"),
        ("POST", "/api/v1/lots"): Probe(
            "401 201 404 201 201", json={"product_id": w.product.id, "code": "PROBE1"}
        ),
        ("GET", "/api/v1/lots/{lot_id}"): Probe("401 200 404 200 200"),
        ("PATCH", "/api/v1/lots/{lot_id}"): Probe("401 200 404 200 200", json={"unit": "KGM"}),
        ("GET", "/api/v1/certificates"): Probe("401 200 200 200 200"),
        ("POST", "/api/v1/certificates"): Probe(
            "401 201 404 201 201",
            json={
                "enterprise_id": a_id,
                "kind": "vietgap",
                "number": "VG-1",
                "issuer": "Sở NN&MT",
                "valid_from": TODAY,
            },
        ),
        ("GET", "/api/v1/certificates/{certificate_id}"): Probe("401 200 404 200 200"),
        # -- consignments: recorded by the exporter itself (the future date is refused
        # only after the actor may act: A 422, B cannot see A's packhouse)
        ("GET", "/api/v1/consignments"): Probe("401 200 200 200 200"),
        ("POST", "/api/v1/consignments"): Probe(
            "401 422 404 403 403", json=_consignment_body(lot, loc)
        ),
        ("GET", "/api/v1/consignments/{consignment_id}"): Probe("401 200 404 200 200"),
        ("GET", "/api/v1/consignments/{consignment_id}/dossier.pdf"): Probe("401 200 404 200 200"),
        ("GET", "/api/v1/consignments/{consignment_id}/dossier.jsonld"): Probe(
            "401 200 404 200 200"
        ),
        # An officer removing an enterprise's certificate says why (?reason=…): 422 without.
        ("DELETE", "/api/v1/certificates/{certificate_id}"): Probe("401 204 404 422 422"),
        ("GET", "/api/v1/admin-units"): Probe("200 200 200 200 200"),
        ("GET", "/api/v1/admin-units/{code}"): Probe(
            "200 200 200 200 200", path="/api/v1/admin-units/28360"
        ),
        # -- traceability steps
        ("POST", "/api/v1/lots/{lot_id}/harvest"): Probe(
            "401 201 404 201 201",
            json={"location_id": loc, "harvested_on": TODAY, "quantity": 1, "unit": "KGM"},
        ),
        ("POST", "/api/v1/lots/{lot_id}/pack"): Probe(
            "401 201 404 201 201", json={"location_id": loc, "inputs": inputs}
        ),
        ("POST", "/api/v1/lots/{lot_id}/process"): Probe(
            "401 201 404 201 201", json={"location_id": loc, "inputs": inputs}
        ),
        ("POST", "/api/v1/lots/{lot_id}/ship"): Probe(
            "401 201 404 201 201", json={"from_location_id": loc, "to_gln": gln}
        ),
        ("POST", "/api/v1/lots/{lot_id}/receive"): Probe(
            "401 201 404 201 201", json={"location_id": loc, "from_gln": gln}
        ),
        ("POST", "/api/v1/lots/{lot_id}/inspect"): Probe(
            "401 201 404 201 201", json={"location_id": loc, "passed": True}
        ),
        ("POST", "/api/v1/lots/{lot_id}/store"): Probe(
            "401 201 404 201 201", json={"location_id": loc}
        ),
        # Steps may name a partner's lot (goods received); a recall of A's lot is A's: 403.
        ("POST", "/api/v1/lots/{lot_id}/recall"): Probe(
            "401 201 403 201 201", json={"reason": "Lỗi"}
        ),
        ("POST", "/api/v1/pallets"): Probe(
            "401 201 404 201 201", json={"location_id": loc, "contents": inputs}
        ),
        ("POST", "/api/v1/pallets/{sscc}/ship"): Probe(
            "401 201 404 201 201", json={"from_location_id": loc, "to_gln": gln}
        ),
        ("POST", "/api/v1/pallets/{sscc}/receive"): Probe(
            "401 201 404 201 201", json={"location_id": loc, "from_gln": gln}
        ),
        ("GET", "/api/v1/trace"): Probe("401 200 404 200 200", params={"lot_id": str(lot)}),
        ("GET", "/api/v1/trace/recall-impact"): Probe(
            "401 200 404 200 200", params={"lot_id": str(lot)}
        ),
        # B may name A's lot (partners trace received goods) but gets none of A's events.
        ("GET", "/api/v1/events/export"): Probe("401 200 200 200 200", params={"lot_id": str(lot)}),
        # -- resolver links (the owner of the anchor decides)
        ("GET", "/api/v1/links"): Probe("401 200 200 200 200"),
        # Officers changing an enterprise's links give a reason: 422 without one.
        ("POST", "/api/v1/links"): Probe("401 201 404 422 422", json=link),
        ("GET", "/api/v1/links/{link_id}"): Probe("401 200 404 200 200"),
        ("PATCH", "/api/v1/links/{link_id}"): Probe("401 200 404 422 422", json={"title": "Mới"}),
        ("DELETE", "/api/v1/links/{link_id}"): Probe("401 204 404 422 422"),
        ("GET", "/api/v1/verify"): Probe(
            "200 200 200 200 200", params={"uri": f"{BASE}/01/{w.gtin}"}
        ),
        # -- EPCIS
        ("GET", "/epcis"): Probe("200 200 200 200 200"),
        ("GET", "/epcis/"): Probe("200 200 200 200 200"),
        # CORS preflight: public, says what may be sent, reads and writes nothing.
        ("OPTIONS", "/epcis"): Probe("204 204 204 204 204"),
        ("OPTIONS", "/epcis/{path:anypath}"): Probe("204 204 204 204 204", path="/epcis/capture"),
        ("POST", "/epcis/capture"): Probe("401 202 403 202 202", json=_event_document(w)),
        ("GET", "/epcis/capture"): Probe("401 200 200 200 200"),
        ("GET", "/epcis/capture/{capture_id}"): Probe("401 200 404 200 200"),
        ("POST", "/epcis/events"): Probe(
            "401 201 403 201 201",
            json={"@context": CONTEXT, **_event_document(w)["epcisBody"]["eventList"][0]},
        ),
        ("GET", "/epcis/events"): Probe("401 200 200 200 200"),
        ("GET", "/epcis/events/{event_id:path}"): Probe("401 200 404 200 200"),
        ("GET", "/epcis/epcs"): Probe("401 200 200 200 200"),
        ("GET", "/epcis/epcs/{epc:path}/events"): Probe("401 200 200 200 200"),
        # A value's sub-resources: B sees none of A's events, so not A's lot or farm.
        ("GET", "/epcis/epcs/{epc:path}"): Probe("401 200 404 200 200"),
        ("GET", "/epcis/eventTypes/{event_type}"): Probe("401 200 200 200 200"),
        ("GET", "/epcis/bizSteps/{biz_step:path}"): Probe("401 200 200 200 200"),
        ("GET", "/epcis/dispositions/{disposition:path}"): Probe("401 200 200 200 200"),
        ("GET", "/epcis/bizLocations/{biz_location:path}"): Probe("401 200 404 200 200"),
        ("GET", "/epcis/readPoints/{read_point:path}"): Probe("401 200 404 200 200"),
        ("DELETE", "/epcis/nextPageToken/{token}"): Probe(
            "401 501 501 501 501", path="/epcis/nextPageToken/abc"
        ),
        ("GET", "/epcis/eventTypes"): Probe("401 200 200 200 200"),
        ("GET", "/epcis/eventTypes/{event_type}/events"): Probe("401 200 200 200 200"),
        ("GET", "/epcis/bizSteps"): Probe("401 200 200 200 200"),
        ("GET", "/epcis/bizSteps/{biz_step:path}/events"): Probe("401 200 200 200 200"),
        ("GET", "/epcis/dispositions"): Probe("401 200 200 200 200"),
        ("GET", "/epcis/dispositions/{disposition:path}/events"): Probe("401 200 200 200 200"),
        ("GET", "/epcis/bizLocations"): Probe("401 200 200 200 200"),
        ("GET", "/epcis/bizLocations/{biz_location:path}/events"): Probe("401 200 200 200 200"),
        ("GET", "/epcis/readPoints"): Probe("401 200 200 200 200"),
        ("GET", "/epcis/readPoints/{read_point:path}/events"): Probe("401 200 200 200 200"),
        # Named queries and subscriptions: each enterprise (and the agency) in its own
        # namespace, so A's query is missing for everyone else.
        ("GET", "/epcis/queries"): Probe("401 200 200 200 200"),
        ("POST", "/epcis/queries"): Probe(
            "401 201 201 201 201", json={"name": "matrix-new", "query": {}}
        ),
        ("GET", "/epcis/queries/{query_name}"): Probe("401 200 404 404 404"),
        ("DELETE", "/epcis/queries/{query_name}"): Probe("401 204 404 404 404"),
        ("GET", "/epcis/queries/{query_name}/events"): Probe("401 200 404 404 404"),
        ("GET", "/epcis/queries/{query_name}/subscriptions"): Probe("401 200 404 404 404"),
        ("POST", "/epcis/queries/{query_name}/subscriptions"): Probe(
            "401 201 404 404 404", json={"dest": MATRIX_WEBHOOK, "stream": True}
        ),
        ("GET", "/epcis/queries/{query_name}/subscriptions/{subscription_id}"): Probe(
            "401 200 404 404 404"
        ),
        ("DELETE", "/epcis/queries/{query_name}/subscriptions/{subscription_id}"): Probe(
            "401 204 404 404 404"
        ),
        # -- public pages
        ("GET", "/api/docs"): Probe("200 200 200 200 200", via=SESSION),
        ("GET", "/favicon.ico"): Probe("200 200 200 200 200"),
        ("GET", "/robots.txt"): Probe("200 200 200 200 200"),
        ("GET", "/"): Probe("200 200 200 200 200", via=SESSION),
        ("GET", "/healthz"): Probe("200 200 200 200 200"),
        ("GET", "/readyz"): Probe("200 200 200 200 200"),
        ("GET", "/metrics"): Probe("200 200 200 200 200"),
        ("GET", "/scan"): Probe("200 200 200 200 200", via=SESSION),
        ("GET", "/scan/code"): Probe(
            "200 200 200 200 200", params={"text": f"https://x.vn/01/{w.gtin}"}
        ),
        ("POST", "/scan"): Probe("400 400 400 400 400", form={"nothing": "here"}),
        # Signed in already: on to the portal.
        ("GET", "/login"): Probe("200 303 303 303 303", via=SESSION),
        ("POST", "/login"): Probe(
            "400 400 400 400 400", via=SESSION, form={"email": "nobody@example.vn", "password": "x"}
        ),
        ("POST", "/logout"): Probe("303 303 303 303 303", via=SESSION, form={}),
        ("GET", "/portal/signup"): Probe("200 200 200 200 200", via=SESSION),
        ("GET", "/portal/signup/tax-code"): Probe(
            "200 200 200 200 200", via=SESSION, params={"tax_code": unique_tax_code()}
        ),
        ("POST", "/portal/signup"): Probe("400 400 400 400 400", via=SESSION, form={}),
        ("GET", "/p/share-place"): Probe("200 200 200 200 200", via=SESSION),
        ("POST", "/p/share-place"): Probe(
            "303 303 303 303 303",
            via=SESSION,
            form={"path": f"/01/{w.gtin}", "province_code": "82"},
        ),
        ("GET", "/p/report"): Probe("200 200 200 200 200", via=SESSION),
        ("POST", "/p/report"): Probe(
            "303 303 303 303 303", via=SESSION, form={"kind": "quality", "message": "Hỏng"}
        ),
        ("GET", "/p/report/sent"): Probe("200 200 200 200 200", via=SESSION),
        ("GET", "/p/{rest:path}"): Probe(
            "200 200 200 200 200", path=f"/p/01/{w.gtin}", via=SESSION
        ),
        ("HEAD", "/p/{rest:path}"): Probe("200 200 200 200 200", path=f"/p/01/{w.gtin}"),
        ("GET", "/.well-known/gs1resolver"): Probe("200 200 200 200 200"),
        ("OPTIONS", "/{key}/{rest:path}"): Probe("204 204 204 204 204", path=f"/01/{w.gtin}"),
        ("GET", "/{key}/{rest:path}"): Probe("307 307 307 307 307", path=f"/01/{w.gtin}"),
        ("HEAD", "/{key}/{rest:path}"): Probe("307 307 307 307 307", path=f"/01/{w.gtin}"),
        ("GET", "/{segment}"): Probe("307 307 307 307 307", path=f"/{compress([('01', w.gtin)])}"),
        ("HEAD", "/{segment}"): Probe("307 307 307 307 307", path=f"/{compress([('01', w.gtin)])}"),
        ("GET", "/media/products/{name}"): Probe(
            "404 404 404 404 404", path="/media/products/000000000000000000000000.jpg"
        ),
        ("GET", "/static"): Probe("404 404 404 404 404", path="/static/none.css"),
        # -- enterprise portal (browser sessions; agency and admin have no enterprise)
        ("GET", "/portal/password"): Probe("303 200 200 403 403", via=SESSION),
        ("POST", "/portal/password"): Probe("303 400 400 403 403", via=SESSION, form={}),
        ("GET", "/portal"): Probe("303 200 200 403 403", via=SESSION),
        ("POST", "/portal/prefix"): Probe("303 400 400 403 403", via=SESSION, form={}),
        ("POST", "/portal/prefix/request"): Probe("303 303 303 403 403", via=SESSION, form={}),
        ("GET", "/portal/products/import"): Probe("303 200 200 403 403", via=SESSION),
        # An empty template with one example row: nothing of anyone's, so public.
        ("GET", "/portal/products/import/template.csv"): Probe("200 200 200 200 200", via=SESSION),
        ("GET", "/portal/products/import/template.xlsx"): Probe("200 200 200 200 200", via=SESSION),
        ("POST", "/portal/products/import"): Probe("303 400 400 403 403", via=SESSION, form={}),
        ("GET", "/portal/products"): Probe("303 200 200 403 403", via=SESSION),
        ("GET", "/portal/products/new"): Probe("303 200 200 403 403", via=SESSION),
        ("POST", "/portal/products/new"): Probe("303 400 400 403 403", via=SESSION, form={}),
        ("GET", "/portal/products/{product_id}"): Probe("303 200 404 403 403", via=SESSION),
        ("GET", "/portal/products/{product_id}/edit"): Probe("303 200 404 403 403", via=SESSION),
        ("POST", "/portal/products/{product_id}/edit"): Probe(
            "303 303 404 403 403", via=SESSION, form={"name_vi": "Xoài mới"}
        ),
        ("POST", "/portal/products/{product_id}/certificates"): Probe(
            "303 400 404 403 403", via=SESSION, form={}
        ),
        ("POST", "/portal/products/{product_id}/certificates/{certificate_id}/delete"): Probe(
            "303 303 404 403 403", via=SESSION, form={}
        ),
        ("GET", "/portal/locations"): Probe("303 200 200 403 403", via=SESSION),
        ("GET", "/portal/locations/new"): Probe("303 200 200 403 403", via=SESSION),
        ("POST", "/portal/locations/new"): Probe("303 400 400 403 403", via=SESSION, form={}),
        ("GET", "/portal/locations/{location_id}"): Probe("303 200 404 403 403", via=SESSION),
        ("POST", "/portal/locations/{location_id}"): Probe(
            "303 400 404 403 403", via=SESSION, form={}
        ),
        ("GET", "/portal/market-codes"): Probe("303 200 200 403 403", via=SESSION),
        ("GET", "/portal/lots"): Probe("303 200 200 403 403", via=SESSION),
        ("GET", "/portal/lots/new"): Probe("303 200 200 403 403", via=SESSION),
        ("POST", "/portal/lots/new"): Probe("303 400 400 403 403", via=SESSION, form={}),
        ("GET", "/portal/lots/{lot_id}"): Probe("303 200 404 403 403", via=SESSION),
        # The brick search and the GS1 sheet: an enterprise's own products only.
        ("GET", "/portal/gpc"): Probe("303 200 200 403 403", via=SESSION, params={"q": "durian"}),
        ("GET", "/portal/gpc/bricks"): Probe(
            "303 200 200 403 403", via=SESSION, params={"q": "durian"}
        ),
        ("GET", "/portal/products/gs1-master-data.csv"): Probe("303 200 200 403 403", via=SESSION),
        ("GET", "/portal/products/gs1-master-data.xlsx"): Probe("303 200 200 403 403", via=SESSION),
        ("GET", "/portal/consignments"): Probe("303 200 200 403 403", via=SESSION),
        ("GET", "/portal/consignments/new"): Probe("303 200 200 403 403", via=SESSION),
        ("POST", "/portal/consignments/new"): Probe("303 400 400 403 403", via=SESSION, form={}),
        ("GET", "/portal/consignments/{consignment_id}"): Probe("303 200 404 403 403", via=SESSION),
        ("GET", "/portal/consignments/{consignment_id}/dossier.pdf"): Probe(
            "303 200 404 403 403", via=SESSION
        ),
        ("GET", "/portal/consignments/{consignment_id}/dossier.jsonld"): Probe(
            "303 200 404 403 403", via=SESSION
        ),
        ("POST", "/portal/lots/{lot_id}/steps/{step}"): Probe(
            "303 400 404 403 403", path=f"/portal/lots/{lot}/steps/harvest", via=SESSION, form={}
        ),
        ("GET", "/portal/events"): Probe("303 200 200 403 403", via=SESSION),
        ("POST", "/portal/lots/{lot_id}/events/{event_pk}/flag"): Probe(
            "303 303 404 403 403", via=SESSION, form={"reason": "Không phải của chúng tôi"}
        ),
        ("GET", "/portal/labels"): Probe("303 200 200 403 403", via=SESSION),
        ("GET", "/portal/labels/preview.svg"): Probe(
            "303 200 404 403 403", via=SESSION, params={"lot_id": str(lot), "layout": "a4-3x7"}
        ),
        # B's form comes back with "lot not found" on the lot field.
        ("POST", "/portal/labels"): Probe(
            "303 303 400 403 403",
            via=SESSION,
            form={"lot_id": str(lot), "count": "1", "layout": "a4-3x7", "serialized": "1"},
        ),
        ("GET", "/portal/labels/runs/{run_id}"): Probe("303 200 404 403 403", via=SESSION),
        ("GET", "/portal/labels/runs/{run_id}/download"): Probe("303 409 404 403 403", via=SESSION),
        # A's form comes back asking to tick the confirmation; B's run is not found.
        ("POST", "/portal/labels/runs/{run_id}/void"): Probe(
            "303 400 404 403 403", via=SESSION, form={}
        ),
        ("GET", "/portal/stats"): Probe("303 200 200 403 403", via=SESSION),
        ("GET", "/portal/team"): Probe("303 200 200 403 403", via=SESSION),
        ("POST", "/portal/team/users"): Probe("303 400 400 403 403", via=SESSION, form={}),
        ("POST", "/portal/team/keys"): Probe("303 200 200 403 403", via=SESSION, form={}),
        ("POST", "/portal/team/keys/{key_id}/revoke"): Probe(
            "303 303 404 403 403", via=SESSION, form={}
        ),
        ("POST", "/portal/team/users/{user_id}/deactivate"): Probe(
            "303 303 404 403 403", via=SESSION, form={}
        ),
        ("POST", "/portal/team/users/{user_id}/reactivate"): Probe(
            "303 303 404 403 403", via=SESSION, form={}
        ),
        ("GET", "/portal/team/audit"): Probe("303 200 200 403 403", via=SESSION),
        # -- agency pages (agency staff and administrators only)
        ("GET", "/agency/"): Probe("401 403 403 200 200", via=SESSION),
        ("GET", "/agency/tables/{name}"): Probe(
            "401 403 403 200 200", path="/agency/tables/indicators", via=SESSION
        ),
        ("GET", "/agency/export/{name}.csv"): Probe(
            "401 403 403 200 200", path="/agency/export/indicators.csv", via=SESSION
        ),
        ("GET", "/agency/export/{name}.xlsx"): Probe(
            "401 403 403 200 200", path="/agency/export/indicators.xlsx", via=SESSION
        ),
        ("GET", "/agency/report.pdf"): Probe("401 403 403 200 200", via=SESSION),
        # -- GS1 master data (issue 20 item 5): the GPC publication and the completeness table
        ("GET", "/agency/gpc"): Probe("401 403 403 200 200", via=SESSION),
        ("POST", "/agency/gpc"): Probe("401 403 403 422 422", via=SESSION, form={}),
        ("GET", "/agency/master-data"): Probe("401 403 403 200 200", via=SESSION),
        ("GET", "/agency/enterprises"): Probe("401 403 403 200 200", via=SESSION),
        ("POST", "/agency/enterprises/{enterprise_id}/verify"): Probe(
            "401 403 403 303 303", via=SESSION, form={}
        ),
        ("POST", "/agency/enterprises/{enterprise_id}/reject"): Probe(
            "401 403 403 303 303", via=SESSION, form={"reason": "Thiếu"}
        ),
        ("GET", "/agency/suspicious"): Probe("401 403 403 200 200", via=SESSION),
        ("GET", "/agency/suspicious/{gtin}/{serial}"): Probe(
            "401 403 403 200 200", path=f"/agency/suspicious/{w.gtin}/ABC123", via=SESSION
        ),
        ("GET", "/agency/reports"): Probe("401 403 403 200 200", via=SESSION),
        # The world's report has no photo; tests/agency/test_report_triage.py serves one.
        ("GET", "/agency/reports/{report_id}/photo"): Probe("401 403 403 404 404", via=SESSION),
        ("POST", "/agency/reports/{report_id}/triage"): Probe(
            "401 403 403 303 303", via=SESSION, form={"status": "in_progress"}
        ),
        ("GET", "/agency/flags"): Probe("401 403 403 200 200", via=SESSION),
        ("POST", "/agency/flags/{flag_id}/close"): Probe(
            "401 403 403 303 303", via=SESSION, form={"note": "Đã xem xét"}
        ),
        ("GET", "/agency/certificates"): Probe("401 403 403 200 200", via=SESSION),
        ("GET", "/agency/consignments"): Probe("401 403 403 200 200", via=SESSION),
        ("GET", "/agency/prefix-requests"): Probe("401 403 403 200 200", via=SESSION),
        ("GET", "/agency/prefix-requests/{request_id}/certificate"): Probe(
            "401 403 403 404 404", via=SESSION
        ),
        ("POST", "/agency/prefix-requests/{request_id}/grant"): Probe(
            "401 403 403 303 303", via=SESSION, form={"reason": "Đã đối chiếu bản gốc"}
        ),
        ("POST", "/agency/prefix-requests/{request_id}/reject"): Probe(
            "401 403 403 303 303", via=SESSION, form={"reason": "Ảnh mờ"}
        ),
        ("GET", "/agency/identity-changes"): Probe("401 403 403 200 200", via=SESSION),
        ("POST", "/agency/identity-changes/{change_id}/approve"): Probe(
            "401 403 403 303 303", via=SESSION, form={}
        ),
        ("POST", "/agency/identity-changes/{change_id}/reject"): Probe(
            "401 403 403 303 303", via=SESSION, form={"reason": "Thiếu giấy tờ"}
        ),
        ("GET", "/agency/users"): Probe("401 403 403 200 200", via=SESSION),
        ("POST", "/agency/users/{user_id}/deactivate"): Probe(
            "401 403 403 303 303", via=SESSION, form={"reason": "Nghỉ việc"}
        ),
        ("POST", "/agency/users/{user_id}/reactivate"): Probe(
            "401 403 403 303 303", via=SESSION, form={"reason": "Trở lại"}
        ),
        ("GET", "/agency/population"): Probe("401 403 403 200 200", via=SESSION),
        # Body-less probes: the role is checked before the form (422 only for staff).
        ("POST", "/agency/population"): Probe("401 403 403 422 422", via=SESSION, form={}),
        ("GET", "/agency/recalls"): Probe("401 403 403 200 200", via=SESSION),
        ("POST", "/agency/recalls"): Probe("401 403 403 422 422", via=SESSION, form={}),
        ("GET", "/agency/recalls/{recall_id}"): Probe("401 403 403 200 200", via=SESSION),
        ("POST", "/agency/recalls/{recall_id}/end"): Probe(
            "401 403 403 303 303", via=SESSION, form={}
        ),
        ("GET", "/agency/market-codes"): Probe("401 403 403 200 200", via=SESSION),
        # Form-less probes: the role is checked before the form (422 only for staff).
        ("POST", "/agency/market-codes"): Probe("401 403 403 422 422", via=SESSION, form={}),
        ("GET", "/agency/market-codes/{code_id}"): Probe("401 403 403 200 200", via=SESSION),
        ("POST", "/agency/market-codes/{code_id}"): Probe(
            "401 403 403 422 422", via=SESSION, form={}
        ),
        ("POST", "/agency/market-codes/{code_id}/approvals"): Probe(
            "401 403 403 303 303",
            via=SESSION,
            form={"market": "AU", "status": "active", "reason": "Danh sách GACC"},
        ),
        ("GET", "/agency/market-codes-import"): Probe("401 403 403 200 200", via=SESSION),
        ("POST", "/agency/market-codes-import"): Probe("401 403 403 422 422", via=SESSION, form={}),
        ("GET", "/agency/yield-ceilings"): Probe("401 403 403 200 200", via=SESSION),
        ("POST", "/agency/yield-ceilings"): Probe(
            "401 403 403 303 303", via=SESSION, form={"crop": "Xoài", "tonnes_per_ha": "25"}
        ),
        ("GET", "/agency/code-warnings"): Probe("401 403 403 200 200", via=SESSION),
        ("POST", "/agency/code-warnings/{refusal_id}/seen"): Probe(
            "401 403 403 303 303", via=SESSION, form={"note": "Đã gọi doanh nghiệp"}
        ),
    }


def router_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route of the router, including those of included routers
    and mounts.

    This FastAPI keeps included routers as lazy entries of app.router.routes;
    iter_route_contexts expands them with their prefixes.
    """
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.router.routes):
        path = context.path
        assert path is not None
        methods = context.methods or {"GET"}  # a mount answers GET for its files
        found.update((method, _plain(path)) for method in methods)
    return found


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """router_routes and any operation the OpenAPI document lists besides."""
    found = router_routes(app)
    for path, operations in app.openapi()["paths"].items():
        found.update((method.upper(), _plain(path)) for method in operations)
    return found


def _plain(path: str) -> str:
    """`{rest:path}` → `{rest}`: OpenAPI drops the converter, the router keeps it."""
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


def _fill(template: str, values: dict[str, str]) -> str:
    path = template
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


@dataclass
class Probing:
    """One world per database, shared by the module's tests; each probe rolls back."""

    app: FastAPI
    world: World
    connection: Connection
    # (method, route as the app lists it) → (route as the matrix writes it, probe)
    probes: dict[tuple[str, str], tuple[str, Probe]]
    values: dict[str, str]
    anonymous: InLoopClient


def _path_values(w: World) -> dict[str, str]:
    values = w.path_values()
    values.update(
        epc=lot_uri(w.lot),
        event_type="ObjectEvent",
        biz_step="commissioning",
        disposition="active",
        biz_location=gln_uri(w.location.gln),
        read_point=gln_uri(w.location.gln),
        **{"event_id:path": values["event_id"]},
    )
    for name in ("epc", "biz_step", "disposition", "biz_location", "read_point"):
        values[name + ":path"] = values[name]
    return values


@pytest.fixture(scope="module")
def probing(settings: Settings, engine: Engine) -> Iterator[Probing]:
    # Module scope: the world (two enterprises, four signed-in actors, one record of
    # every kind) is built once per database, not once per route.
    with engine.connect() as connection:
        transaction = connection.begin()
        session = session_on(connection)
        # The process's app of these settings (tests.app_under_test.app_on): the routes
        # other tests walked already have their parameter models, which a new app builds
        # again on its first request to each of the ~260 routes probed here.
        app = app_on(settings, app_state_on(settings, connection, engine))
        # Clients in a `with` keep one event loop thread; outside, each request starts one.
        with TestClient(app, base_url=BASE) as client, ExitStack() as clients:
            world = build_world(session, app)
            for actor in world.actors.values():
                clients.callback(actor.browser.close)
            # A capture job of enterprise A, for /epcis/capture/{capture_id}.
            answer = client.post(
                "/epcis/capture",
                json=_event_document(world),
                headers=world.actors["enterprise_a"].api_headers,
            )
            assert answer.status_code == 202, answer.text
            world.capture_id = answer.headers["location"].rsplit("/", 1)[-1]
            add_named_query(world, client)
            anonymous = clients.enter_context(InLoopClient(app, base_url=BASE))
            probes = {
                (method, _plain(route)): (route, probe)
                for (method, route), probe in matrix(world).items()
            }
            yield Probing(app, world, connection, probes, _path_values(world), anonymous)
        session.close()
        transaction.rollback()


def _ask(
    w: World, anonymous: InLoopClient, role: str, method: str, path: str, probe: Probe
) -> tuple[int, str]:
    actor = w.actors[role]
    ratelimit.reset()
    if probe.via == SESSION:
        browser, headers = actor.browser, {}
    else:
        browser, headers = anonymous, actor.api_headers
    form = None
    if probe.form is not None:
        form = {**probe.form, "csrf_token": actor.csrf() if probe.via == SESSION else ""}
    cookies = list(browser.cookies.jar)
    try:
        answer = browser.request(
            method,
            path,
            json=probe.json,
            data=form,
            params=probe.params or None,
            headers=headers,
            follow_redirects=False,
        )
    finally:
        # Logging out or a new sign-in in one probe must not change the next probe's actor.
        browser.cookies.jar.clear()
        for cookie in cookies:
            browser.cookies.jar.set_cookie(cookie)
    return answer.status_code, answer.text[:300]


def _routes_of_the_app() -> list[tuple[str, str]]:
    """The app's routes, known at collection so that each becomes a test of its own.
    Collection happens in every pytest-xdist worker: the router's routes alone, without
    building the OpenAPI document (~0.4 s); that the document adds none is asserted by
    test_every_matrix_entry_is_a_route_of_the_app."""
    app = create_app(Settings(database_url="sqlite://", secret_key="collection-only"))
    return sorted(router_routes(app))


ROUTES = _routes_of_the_app()


def test_every_matrix_entry_is_a_route_of_the_app(probing: Probing) -> None:
    listed = set(probing.probes)
    routes = app_routes(probing.app)
    assert set(ROUTES) == routes, "the routes probed one by one are not all of the app's"
    assert routes - listed == set(), "routes missing from the authorization matrix"
    assert listed - routes == set(), "matrix entries for routes that no longer exist"


@pytest.mark.parametrize(("method", "route"), ROUTES, ids=[f"{m} {r}" for m, r in ROUTES])
def test_route_answers_each_role_as_expected(method: str, route: str, probing: Probing) -> None:
    assert (method, route) in probing.probes, f"{method} {route} is missing from the matrix"
    written, probe = probing.probes[method, route]
    path = probe.path or _fill(written, probing.values)
    got: dict[str, int] = {}
    bodies: dict[str, str] = {}
    for role in ROLES:
        savepoint = probing.connection.begin_nested()
        try:
            got[role], bodies[role] = _ask(
                probing.world, probing.anonymous, role, method, path, probe
            )
        finally:
            savepoint.rollback()
    shown = " ".join(map(str, got.values()))
    if os.environ.get("SECURITY_MATRIX_DUMP"):
        print(f"MATRIX {method} {route} {shown}")
    expected = probe.statuses()
    wrong = "; ".join(f"{role}: {bodies[role]!r}" for role in ROLES if got[role] != expected[role])
    assert got == expected, f"{method} {route}: expected {probe.expect}, got {shown} — {wrong}"
