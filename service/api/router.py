"""The JSON API, version 1."""

from typing import Any

from fastapi import APIRouter

from registry.schemas import Problem
from service.api import (
    accounts,
    certificates,
    enterprises,
    label_runs,
    locations,
    lots,
    places,
    prefixes,
    products,
    steps,
)

_PROBLEM = {
    "model": Problem,
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {**_PROBLEM, "description": description}
    for status, description in (
        (400, "Bad request"),
        (401, "Sign-in or an API key is required"),
        (403, "Not allowed for this role"),
        (404, "Not found (or another enterprise's record)"),
        (409, "Conflict with existing data"),
        (422, "Invalid input: the errors name the fields"),
        (429, "Too many requests"),
    )
}

api_router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)
for module in (
    accounts,
    enterprises,
    label_runs,
    prefixes,
    products,
    locations,
    lots,
    certificates,
    places,
    steps,
):
    api_router.include_router(module.router)
