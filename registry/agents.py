"""Who scanned: a person's phone or computer, a bot, or a person's repeat past the
day's cap. A base value type: the scans store it and the statistics count by it."""

from __future__ import annotations

import enum


class AgentClass(enum.StrEnum):
    mobile = "mobile"
    desktop = "desktop"
    bot = "bot"
    # A person's scan past the day's counted scans of one code from one network
    # (Settings.counted_scans_per_network_day): stored, left out of every count.
    repeat = "repeat"

    @property
    def counted(self) -> bool:
        return self in (AgentClass.mobile, AgentClass.desktop)


COUNTED_AGENTS = (AgentClass.mobile.value, AgentClass.desktop.value)
