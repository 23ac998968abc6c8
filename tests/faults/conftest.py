"""Fault tests: real servers in subprocesses. The PostgreSQL restart runs last of all,
since every other PostgreSQL test of the run shares that server."""

from __future__ import annotations

import pytest

RESTARTS_POSTGRES = "restarts_postgres"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{RESTARTS_POSTGRES}: restarts the shared PostgreSQL server; runs last"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    last = [item for item in items if item.get_closest_marker(RESTARTS_POSTGRES)]
    if last:
        items[:] = [item for item in items if item not in last] + last
