"""Viet Nam's clock (Asia/Ho_Chi_Minh): what every page, export and report shows.

Times are stored in UTC; people read them in their own time zone.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

VIETNAM_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def vietnam_time(moment: dt.datetime | None, *, with_seconds: bool = False) -> str:
    """2026-12-07 14:15 UTC reads "07/12/2026 21:15"; no time reads as an empty string."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone(VIETNAM_ZONE)
    return local.strftime("%d/%m/%Y %H:%M:%S" if with_seconds else "%d/%m/%Y %H:%M")


def vietnam_date(moment: dt.datetime | None) -> str:
    """The day it was in Viet Nam: 17:30 UTC on the 7th is already the 8th there."""
    return vietnam_time(moment)[:10]
