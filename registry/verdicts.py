"""What a scan means, and its colour: the verdict values stored with every scan.

A base module: the statistics count verdicts and the resolver decides them, so the
values live below both and import nothing of the project. What people read for each
verdict (wording, advice) is the resolver's: registry/resolution/verdict_table.py.
"""

from __future__ import annotations

import enum


class Verdict(enum.StrEnum):
    """What a scan means; the value is stored with every scan (registry.scans)."""

    genuine = "genuine"
    registered = "registered"
    lot_undeclared = "lot_undeclared"
    recalled = "recalled"
    expired = "expired"
    withdrawn = "withdrawn"
    suspended = "suspended"
    not_registered = "not_registered"
    foreign_prefix = "foreign_prefix"
    invalid = "invalid"
    serial_never_issued = "serial_never_issued"
    serial_void = "serial_void"
    suspicious_copy = "suspicious_copy"

    @property
    def colour(self) -> Colour:
        return COLOURS[self]

    @property
    def is_warning(self) -> bool:
        """The consumer must see the registry's own page, not the enterprise's links."""
        return self.colour is not Colour.green


class Colour(enum.StrEnum):
    green = "green"
    amber = "amber"
    red = "red"
    grey = "grey"


COLOURS = {
    Verdict.genuine: Colour.green,
    Verdict.registered: Colour.green,
    Verdict.lot_undeclared: Colour.amber,
    Verdict.recalled: Colour.red,
    Verdict.expired: Colour.amber,
    Verdict.withdrawn: Colour.amber,
    Verdict.suspended: Colour.amber,
    Verdict.not_registered: Colour.grey,
    Verdict.foreign_prefix: Colour.grey,
    Verdict.invalid: Colour.red,
    Verdict.serial_never_issued: Colour.red,
    Verdict.serial_void: Colour.red,
    Verdict.suspicious_copy: Colour.amber,
}
GREEN_VERDICTS = frozenset(v.value for v, colour in COLOURS.items() if colour is Colour.green)
# Scans that say a label was made by someone other than the registry (registry.stats).
FAKE_LABEL_VERDICTS = frozenset({Verdict.serial_never_issued, Verdict.serial_void})
