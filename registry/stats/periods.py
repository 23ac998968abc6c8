"""Reporting periods: a month, a quarter or a year, counted in Vietnam time."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from registry.errors import InvalidInput
from registry.stats.rollups import REPORTING_ZONE

PeriodKind = Literal["month", "quarter", "year"]
_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?:Q(?P<quarter>[1-4])|(?P<month>0[1-9]|1[0-2])))?$")


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: dt.date
    # First day after the period.
    end: dt.date

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PATTERN.match(text.strip())
        if not match or not 2000 <= int(match["year"]) <= 2100:
            raise InvalidInput(
                "Kỳ báo cáo không hợp lệ (ví dụ: 2026, 2026-Q3, 2026-07).",
                "Invalid period (for example 2026, 2026-Q3, 2026-07).",
                field="period",
            )
        year = int(match["year"])
        if match["quarter"]:
            start = dt.date(year, 3 * int(match["quarter"]) - 2, 1)
            return cls("quarter", start, _add_months(start, 3))
        if match["month"]:
            start = dt.date(year, int(match["month"]), 1)
            return cls("month", start, _add_months(start, 1))
        return cls("year", dt.date(year, 1, 1), dt.date(year + 1, 1, 1))

    @classmethod
    def current_quarter(cls, today: dt.date) -> Period:
        return cls.parse(f"{today.year}-Q{(today.month - 1) // 3 + 1}")

    @property
    def key(self) -> str:
        if self.kind == "year":
            return str(self.start.year)
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"

    def label(self, lang: str) -> str:
        if self.kind == "year":
            return f"Năm {self.start.year}" if lang == "vi" else f"Year {self.start.year}"
        if self.kind == "quarter":
            quarter = (self.start.month - 1) // 3 + 1
            return f"Quý {quarter}/{self.start.year}" if lang == "vi" else self.key
        return f"Tháng {self.start.month}/{self.start.year}" if lang == "vi" else self.key

    @property
    def month_count(self) -> int:
        return {"month": 1, "quarter": 3, "year": 12}[self.kind]

    @property
    def months(self) -> list[dt.date]:
        return [_add_months(self.start, i) for i in range(self.month_count)]

    def previous(self) -> Period:
        start = _add_months(self.start, -self.month_count)
        return Period(self.kind, start, self.start)

    @property
    def start_at(self) -> dt.datetime:
        return local_midnight(self.start)

    @property
    def end_at(self) -> dt.datetime:
        return local_midnight(self.end)

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)


def local_midnight(day: dt.date) -> dt.datetime:
    """The UTC instant at which `day` begins in Vietnam."""
    return dt.datetime.combine(day, dt.time(), tzinfo=REPORTING_ZONE).astimezone(dt.UTC)
