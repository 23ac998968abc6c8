"""The node ids of every test this process collected, kept by tests/conftest.py, so a test
that counts the suite's cases (tests/test_conformance_table.py) reads them instead of
collecting the suite again in a subprocess."""

from __future__ import annotations

from pathlib import Path

import pytest

COLLECTED = pytest.StashKey[list[str]]()


def collected_here(config: pytest.Config, paths: list[str]) -> list[str] | None:
    """The node ids collected in this process under `paths` (files or folders relative to
    the root), or None when this run did not collect all of each: it was given a narrower
    selection (a file::test, a folder beside them), ignored some, or kept only last failures."""
    root = config.rootpath
    given = [Path(arg) for arg in config.args]
    if any("::" in str(arg) for arg in given) or config.getoption("ignore", None):
        return None
    if config.getoption("ignore_glob", None) or config.getoption("lf", False):
        return None
    wanted = [(root / path).resolve() for path in paths]
    chosen = [(config.invocation_params.dir / arg).resolve() for arg in given]
    if not all(any(p == a or a in p.parents for a in chosen) for p in wanted):
        return None
    nodes = config.stash.get(COLLECTED, [])
    return [node for node in nodes if node.split("::")[0].startswith(tuple(paths))]
