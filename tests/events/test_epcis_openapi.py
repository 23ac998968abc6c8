"""schemathesis with GS1's EPCIS 2.0 OpenAPI document (tests/data/epcis/openapi.yaml)
against the real app served by uvicorn, over HTTP: no 5xx, every status code, content
type and body as the document says, except the findings listed in JUSTIFIED with the
reason each is kept (docs/conformance.md has the same list).

Bounded for the suite (issue 17): a fixed seed and a few examples per operation, on each
database. The longer run with schemathesis' own command line over the demo data is in
docs/conformance.md.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis import checks as st_checks
from schemathesis.core.failures import Failure, FailureGroup, ServerError
from schemathesis.core.result import Ok
from schemathesis.openapi.checks import JsonSchemaError, UndefinedContentType, UndefinedStatusCode

from registry.accounts.models import KeyScope, Role
from registry.db import make_engine, make_sessionmaker, unit_of_work
from registry.events.steps import gln_uri, lot_uri
from tests.factories import (
    api_headers,
    epcis_document,
    make_enterprise,
    make_location,
    make_lot,
    make_product,
)
from tests.live_app import served_app
from tests.subscriptions.world import EVENT_DAY
from tests.testdata import data_path

OPENAPI = data_path("epcis", "openapi.yaml")
CHECKS = [
    st_checks.not_a_server_error,
    st_checks.response_schema_conformance,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
]
EXAMPLES_PER_OPERATION = 4
# Operations the document itself keeps schemathesis from building: their bodies refer to
# GS1's JSON-Schema-Stub.json by a URL that does not resolve (kept, docs/conformance.md);
# the official examples are captured through them in tests/events instead.
UNBUILDABLE = {"POST /capture", "POST /events"}
# The document's Disposition path parameter (format uri, its example the bare term
# in_progress) leaves hypothesis nothing to generate (Unsatisfiable, after ~15 s each):
# these operations are asked with chosen values instead, each spelling a client may use.
DISPOSITIONS = ("in_progress", "https://ref.gs1.org/cbv/Disp-recalled", "urn:example:disp:x")
# Findings kept, by name, each with its reason (docs/conformance.md).
JUSTIFIED = {
    "ld+json": "JSON-LD (application/ld+json) is the binding's default representation; the"
    " document lists application/json only; application/json is sent when asked for",
    "400 EPCIS exception naming the field": "EPCIS 2.0 §8.2.7 and §12: an unreadable query"
    " parameter (a nextPageToken not issued here, perPage below 1...) is a"
    " QueryParameterException, a query definition or name we do not take a"
    " ValidationException, both 400 in the binding, on operations whose responses list"
    " no 400",
    "409 status enum": "409ResourceAlreadyExistsException's schema says status 406 (a typo"
    " of the document); RFC 9457 wants the HTTP status, 409",
    "501 on DELETE /nextPageToken": "documented (501NotImplemented): page tokens hold a"
    " position and are stored nowhere, so there is nothing to invalidate;"
    " not_a_server_error counts every 5xx",
    "CaptureJob oneOf": "the document's CaptureJob is oneOf two schemas with properties and"
    " no `required`, so every capture job matches both and none can pass",
    "400 problem+json on the subscription endpoint": "400SubscriptionIssues says"
    " application/json where every other problem of the document (and RFC 9457) is"
    " application/problem+json",
}


@dataclass(frozen=True)
class Served:
    url: str
    reader: dict[str, str]
    """An agency key that reads everything and changes nothing: GET, HEAD, OPTIONS."""
    writer: dict[str, str]
    """An enterprise's key, for the other methods."""


@pytest.fixture(scope="module")
def served(
    committed_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    engine = make_engine(committed_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        enterprise = make_enterprise(session)
        lot = lot_uri(make_lot(session, product=make_product(session, enterprise=enterprise)))
        farm = gln_uri(make_location(session, enterprise=enterprise).gln)
        writer = api_headers(session, enterprise=enterprise)
        reader = api_headers(session, role=Role.agency, scope=KeyScope.read)
    event = {
        "type": "ObjectEvent",
        "eventTime": f"{EVENT_DAY}T08:00:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "inspecting",
        "quantityList": [{"epcClass": lot}],
        "readPoint": {"id": farm},
        "bizLocation": {"id": farm},
    }
    with served_app(
        committed_database_url,
        secret_key="epcis-openapi-test-secret",
        data_dir=tmp_path_factory.mktemp("data"),
    ) as url:
        answer = httpx.post(
            url + "/epcis/capture",
            json=epcis_document(event, day=EVENT_DAY),
            headers=writer,
            timeout=60,
        )
        assert answer.status_code == 202, answer.text
        yield Served(url, reader, writer)
    engine.dispose()


def _problem(response: Any) -> dict[str, Any]:
    try:
        body = json.loads(response.content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _justified(label: str, failure: Failure, response: Any) -> str | None:
    """The JUSTIFIED name of a finding, or None when it is a real one."""
    if isinstance(failure, UndefinedContentType):
        if failure.content_type.startswith("application/ld+json"):
            return "ld+json"
        if (
            label == "GET /queries/{queryName}/events"
            and response.status_code == 400
            and failure.content_type == "application/problem+json"
        ):
            return "400 problem+json on the subscription endpoint"
    problem = _problem(response)
    if isinstance(failure, UndefinedStatusCode) and failure.status_code == 400:
        named = problem.get("type") in (
            "epcisException:QueryParameterException",
            "epcisException:ValidationException",
        )
        if named and problem.get("errors"):
            return "400 EPCIS exception naming the field"
    if (
        isinstance(failure, JsonSchemaError)
        and response.status_code == 409
        and problem.get("type") == "epcisException:ResourceAlreadyExistsException"
        and "406" in failure.message
    ):
        return "409 status enum"
    if (
        isinstance(failure, ServerError)
        and label == "DELETE /nextPageToken/{token}"
        and response.status_code == 501
        and problem.get("type") == "epcisException:ImplementationException"
    ):
        return "501 on DELETE /nextPageToken"
    capture_job = label in ("GET /capture", "GET /capture/{captureID}")
    if isinstance(failure, JsonSchemaError) and capture_job and "oneOf" in failure.message:
        return "CaptureJob oneOf"
    return None


@pytest.mark.slow
def test_official_openapi_document_finds_nothing_unjustified(served: Served) -> None:
    schema = schemathesis.openapi.from_path(OPENAPI)
    unbuildable: set[str] = set()
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Ok):
            operations.append(result.ok())
        else:
            error = result.err()
            unbuildable.add(f"{(error.method or '').upper()} {error.path}")
    assert unbuildable == UNBUILDABLE
    requests = 0
    kept: collections.Counter[str] = collections.Counter()
    findings: list[str] = []

    def check(case: schemathesis.Case) -> None:
        nonlocal requests
        reading = case.method.upper() in ("GET", "HEAD", "OPTIONS")
        headers = served.reader if reading else served.writer
        response = case.call(base_url=served.url + "/epcis", headers=headers, timeout=30)
        requests += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            failures: list[Failure] = list(group.exceptions)
        except Failure as failure:
            failures = [failure]
        else:
            return
        label = case.operation.label
        for failure in failures:
            name = _justified(label, failure, response)
            if name is None:
                answer = f"{response.status_code} {response.text[:300]}"
                findings.append(f"{label}: {failure.title} — {answer}")
            else:
                kept[name] += 1

    for operation in operations:
        if "{disposition}" in operation.path:
            for value in DISPOSITIONS:
                check(operation.Case(path_parameters={"disposition": value}))
            continue

        @seed(19)
        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def generated(case: schemathesis.Case) -> None:
            check(case)

        generated()

    assert len(operations) >= 55 and requests >= len(operations)
    assert not findings, "\n".join(findings)
    assert set(kept) <= set(JUSTIFIED)
    print(f"{len(operations)} operations, {requests} requests, justified findings: {dict(kept)}")


def test_a_refused_websocket_handshake_is_problem_json(served: Served) -> None:
    """websockets refuses these before the app sees them; the answer is still the app's
    problem JSON with the binding's exception name, not websockets' plain text."""
    url = served.url + "/epcis/queries/nothing/events?stream=true"
    upgrade = {**served.reader, "Connection": "Upgrade", "Upgrade": "websocket"}
    for headers in (
        upgrade,
        {**upgrade, "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "7"},
        {**upgrade, "Sec-WebSocket-Key": "short", "Sec-WebSocket-Version": "13"},
    ):
        answer = httpx.get(url, headers={**headers, "Accept-Language": "en"}, timeout=30)
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert problem["type"] == "epcisException:ValidationException"
        assert problem["instance"].startswith("http") and problem["instance"].endswith("/events")
        assert (
            "Sec-WebSocket" in problem["message_en"] and problem["detail"] == problem["message_en"]
        )
        assert "WebSocket" in problem["message_vi"]
