"""Administrative units out of the API."""

from __future__ import annotations

import datetime as dt

from registry.schemas import Out


class AdminUnitOut(Out):
    code: str
    name: str
    level: str
    parent_code: str | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    successor_codes: list[str]
