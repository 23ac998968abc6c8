"""Property-based fuzzing of the JSON API from its own OpenAPI schema (schemathesis):
no 5xx answers, and every answer matches the schema it documents."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import checks as st_checks
from schemathesis.python.asgi import ASGIClient, get_client
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from service import ratelimit
from tests.factories import api_headers, make_enterprise, make_lot, make_product


@pytest.fixture
def api_schema(app: FastAPI) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/api/openapi.json", app).include(path_regex="^/api/v1/")


@pytest.fixture
def api_client(app: FastAPI) -> Iterator[ASGIClient]:
    """The in-process client schemathesis would otherwise make for each request, made once.
    It never touches a network, so the environment's proxy and netrc settings, which
    requests otherwise looks up on each request, mean nothing to it. The process's rate
    limits are left as found: the fuzz signs in far more often than a minute allows."""
    ratelimit.reset()
    with get_client(app) as client:
        client.trust_env = False
        yield client
    ratelimit.reset()


@pytest.fixture
def fuzz_headers(db_session: Session) -> dict[str, dict[str, str]]:
    enterprise = make_enterprise(db_session)
    make_lot(db_session, product=make_product(db_session, enterprise=enterprise))
    return {
        "enterprise": api_headers(db_session, enterprise=enterprise),
        "agency": api_headers(db_session, role=Role.agency),
    }


CHECKS = [
    st_checks.not_a_server_error,
    st_checks.response_schema_conformance,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
]


@pytest.mark.slow
def test_api_never_errors_and_matches_its_schema(
    api_schema: schemathesis.BaseSchema,
    api_client: ASGIClient,
    fuzz_headers: dict[str, dict[str, str]],
) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=10,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: schemathesis.Case) -> None:
            for who in ("enterprise", "agency"):
                try:
                    response = case.call(session=api_client, headers=fuzz_headers[who])
                finally:
                    # Each request starts without cookies, as from a new client.
                    api_client.cookies.clear()
                case.validate_response(response, checks=CHECKS)

        exercise()
