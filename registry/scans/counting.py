"""Which scans the statistics count: at most a few per network, code and day.

A phone on a shop's wifi scanning one label fifty times, or a script behind one
address, would otherwise fill the agency's top-products table and the enterprise's
scan counts. Past the cap a scan is still stored, as AgentClass.repeat, and counted
nowhere (docs/scan-signals.md).
"""

from __future__ import annotations

import datetime as dt
import threading

# Past this many (network, code) pairs in a day, scans are counted without a cap
# rather than the memory grown: a flood that large is held back by the rate limits.
MAX_PAIRS_PER_DAY = 1_000_000


class DailyCap:
    """Counts in this process's memory; with several processes each applies the cap."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._day: dt.date | None = None
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def admit(self, network_of_code: str, day: dt.date) -> bool:
        """True if this scan (from a network, of a code, on a day) is to be counted."""
        with self._lock:
            if day != self._day:
                self._day, self._counts = day, {}
            seen = self._counts.get(network_of_code, 0)
            if seen >= self.cap:
                return False
            if seen or len(self._counts) < MAX_PAIRS_PER_DAY:
                self._counts[network_of_code] = seen + 1
            return True
