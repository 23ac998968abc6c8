"""Query schedules (EPCIS 2.0 §8.2.5.3 QuerySchedule; REST binding GS1-Query-Second …).

Each field is a comma-separated list of numbers and ranges `[lo-hi]` (the binding's
pattern; `lo-hi` and cron's `*`, `*/n` and `lo/n` are read too). A field left out matches
every value, except `second`, which is then 0: a schedule fires at most once a minute
unless it names its seconds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from registry.subscriptions.destinations import refused

# field: (first, last) value, §8.2.5.3.
FIELDS: Final = {
    "second": (0, 59),
    "minute": (0, 59),
    "hour": (0, 23),
    "dayOfMonth": (1, 31),
    "month": (1, 12),
    "dayOfWeek": (1, 7),
}
FIELD_LENGTH: Final = 200
# A schedule that does not fire within this many days (say 31 February) is refused.
HORIZON_DAYS: Final = 4 * 366
_ELEMENT: Final = re.compile(r"\[?(\d{1,2})(?:-(\d{1,2}))?\]?(?:/(\d{1,2}))?|\*(?:/(\d{1,2}))?")


@dataclass(frozen=True)
class Schedule:
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int]
    months: frozenset[int]
    days_of_week: frozenset[int]

    def _day_matches(self, day: dt.date) -> bool:
        return (
            day.month in self.months
            and day.day in self.days_of_month
            and day.isoweekday() in self.days_of_week
        )

    def next_after(self, moment: dt.datetime) -> dt.datetime | None:
        """The first time strictly after `moment` (UTC) the schedule matches."""
        moment = moment.astimezone(dt.UTC).replace(microsecond=0)
        for offset in range(HORIZON_DAYS):
            day = moment.date() + dt.timedelta(days=offset)
            if not self._day_matches(day):
                continue
            for hour in sorted(self.hours):
                for minute in sorted(self.minutes):
                    for second in sorted(self.seconds):
                        candidate = dt.datetime.combine(
                            day, dt.time(hour, minute, second), tzinfo=dt.UTC
                        )
                        if candidate > moment:
                            return candidate
        return None


def _values(name: str, text: object) -> frozenset[int]:
    first, last = FIELDS[name]
    field = f"schedule.{name}"
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str) or not text or len(text) > FIELD_LENGTH:
        raise refused(
            field,
            f'{field} phải là chuỗi như "5", "1,15" hoặc "[1-5]".',
            f'{field} must be a string such as "5", "1,15" or "[1-5]".',
        )
    values: set[int] = set()
    for element in text.replace(" ", "").split(","):
        match = _ELEMENT.fullmatch(element)
        if match is None:
            raise refused(
                field,
                f"{field}: không hiểu “{element[:20]}”.",
                f"{field}: “{element[:20]}” is not a number or a range.",
            )
        low, high, step, every = match.groups()
        if low is None:
            start, end, stride = first, last, int(every or 1)
        else:
            start = int(low)
            end = int(high) if high is not None else (last if step else start)
            stride = int(step or 1)
        if not first <= start <= end <= last or stride < 1:
            raise refused(
                field,
                f"{field} phải nằm trong khoảng {first}–{last}.",
                f"{field} must be within {first}–{last}.",
            )
        values.update(range(start, end + 1, stride))
    return frozenset(values)


def read_schedule(given: object) -> Schedule:
    """A schedule object of a subscription, checked; it must fire within HORIZON_DAYS."""
    if not isinstance(given, Mapping):
        raise refused(
            "schedule", "schedule phải là một đối tượng JSON.", "schedule must be a JSON object."
        )
    unknown = sorted(set(given) - set(FIELDS))
    if unknown:
        raise refused(
            f"schedule.{unknown[0]}",
            f"schedule không có trường {unknown[0]!r}.",
            f"schedule has no field {unknown[0]!r}.",
        )
    sets = {
        name: _values(name, given[name])
        if name in given
        else frozenset({0})
        if name == "second"
        else frozenset(range(FIELDS[name][0], FIELDS[name][1] + 1))
        for name in FIELDS
    }
    schedule = Schedule(
        sets["second"],
        sets["minute"],
        sets["hour"],
        sets["dayOfMonth"],
        sets["month"],
        sets["dayOfWeek"],
    )
    if schedule.next_after(dt.datetime.now(dt.UTC)) is None:
        raise refused(
            "schedule",
            "Lịch này không bao giờ đến (ví dụ ngày 31 tháng 2).",
            "This schedule never comes round (31 February, say).",
        )
    return schedule
