"""When a schedule fires (EPCIS 2.0 §8.2.5.3): the times the delivery worker sends at."""

from __future__ import annotations

import datetime as dt

import pytest

from registry.subscriptions.schedule import read_schedule

NOON = dt.datetime(2026, 3, 2, 12, 0, 0, 500_000, tzinfo=dt.UTC)


def _fires(schedule: dict[str, str], after: dt.datetime, times: int) -> list[dt.datetime]:
    read = read_schedule(schedule)
    fired = []
    for _ in range(times):
        moment = read.next_after(after)
        assert moment is not None
        fired.append(moment)
        after = moment
    return fired


@pytest.mark.parametrize(
    ("schedule", "seconds"),
    [
        ({"second": "0/2"}, [2, 4, 6]),
        ({"second": "*/20"}, [20, 40, 60]),
        ({"second": "1,15"}, [1, 15, 61]),
        ({"second": "[5-6]"}, [5, 6, 65]),
        ({"second": "0/1"}, [1, 2, 3]),
        ({}, [60, 120, 180]),  # no second named: once a minute, at second 0
        ({"minute": "5"}, [5 * 60, 65 * 60, 125 * 60]),
    ],
)
def test_a_schedule_fires_at_each_time_it_names_and_no_other(
    schedule: dict[str, str], seconds: list[int]
) -> None:
    start = NOON.replace(microsecond=0)
    expected = [start + dt.timedelta(seconds=s) for s in seconds]
    assert _fires(schedule, NOON, len(seconds)) == expected
