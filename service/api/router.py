"""The JSON API, version 1."""

from fastapi import APIRouter, Depends

from service.api import (
    accounts,
    certificates,
    consignments,
    enterprises,
    links,
    locations,
    lots,
    market_codes,
    places,
    prefixes,
    print_runs,
    products,
    steps,
)
from service.problems import PROBLEM_RESPONSES
from service.status_doors import api_door

api_router = APIRouter(
    prefix="/api/v1", responses=PROBLEM_RESPONSES, dependencies=[Depends(api_door)]
)
for module in (
    accounts,
    enterprises,
    print_runs,
    prefixes,
    products,
    locations,
    lots,
    market_codes,
    certificates,
    consignments,
    places,
    steps,
    links,
):
    api_router.include_router(module.router)
api_router.include_router(enterprises.changes_router)
api_router.include_router(prefixes.requests_router)
