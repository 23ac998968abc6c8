"""The one way tests and benchmarks find their data: files under tests/data (see its README)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
DATA = REPOSITORY / "tests" / "data"


def data_path(*parts: str) -> Path:
    """A file or folder of tests/data, which must exist (a typo fails loudly, not as 0 cases)."""
    path = DATA.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"{path} is not in tests/data (see tests/data/README.md)")
    return path


def load_json(*parts: str) -> Any:
    return json.loads(data_path(*parts).read_text(encoding="utf-8"))
