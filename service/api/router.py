"""The JSON API, version 1."""

from fastapi import APIRouter

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

api_router = APIRouter(prefix="/api/v1")
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
