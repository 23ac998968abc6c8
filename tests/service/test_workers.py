"""The worker processes' forkserver preloads modules by name, and skips a name that does
not import without a word: every name must import."""

from __future__ import annotations

import importlib

import pytest

from service.workers import FORKSERVER_PRELOAD


@pytest.mark.parametrize("name", FORKSERVER_PRELOAD)
def test_every_preloaded_module_imports(name: str) -> None:
    assert importlib.import_module(name).__name__ == name  # raises if it does not import
