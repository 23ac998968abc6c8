"""Monthly partitions of `scan` on PostgreSQL (docs/deployment.md, "Scan table partitioning").

`ensure_partitions` turns an unpartitioned `scan` into one partitioned by month of
`scanned_at`, in one transaction: every row copied and counted, the id sequence moved
over, the primary key (which must include the partition key) and every index made
again under their own names. It creates the months from the oldest scan's to `ahead`
months after the current one, and a default partition that takes any other time, so
no insert ever fails for want of a partition. Run again (monthly, by a timer), it only
adds the months that are missing; rows the default partition took for such a month
are moved into it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, text
from sqlalchemy.schema import CreateIndex

from registry.errors import Conflict
from registry.scans.models import Scan

TABLE = "scan"
PARTITION_KEY = "scanned_at"
DEFAULT_PARTITION = "scan_default"
PRIMARY_KEY = "pk_scan"
# While the rows are copied; renamed to `scan` once the old table is dropped.
NEW_TABLE = "scan_partitioned"
MAX_MONTHS_AHEAD = 120


@dataclass
class PartitionReport:
    converted: bool = False
    rows_copied: int = 0
    created: list[str] = field(default_factory=list)
    rows_moved_from_default: int = 0


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, moment: dt.datetime) -> Month:
        utc = moment.astimezone(dt.UTC)
        return cls(utc.year, utc.month)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def partition(self) -> str:
        return f"{TABLE}_{self.year:04d}_{self.month:02d}"

    @property
    def bounds(self) -> tuple[str, str]:
        """Half-open UTC bounds, written with their offset so the session's zone is moot."""
        following = self.next()
        return (
            f"{self.year:04d}-{self.month:02d}-01 00:00:00+00",
            f"{following.year:04d}-{following.month:02d}-01 00:00:00+00",
        )


def months_between(first: Month, last: Month) -> list[Month]:
    months = [first]
    while months[-1] != last:
        months.append(months[-1].next())
    return months


def ensure_partitions(connection: Connection, *, ahead: int, now: dt.datetime) -> PartitionReport:
    """Partition `scan` if it is not, and create the missing months up to `ahead` after
    `now`'s. The caller commits (one transaction: all of it or nothing)."""
    if not 0 <= ahead <= MAX_MONTHS_AHEAD:
        raise ValueError(f"ahead must be within 0..{MAX_MONTHS_AHEAD}")
    report = PartitionReport()
    kind = connection.scalar(
        text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:table)"), {"table": TABLE}
    )
    if kind is None:
        raise Conflict(
            "Chưa có bảng scan: hãy chạy `truyxuat db upgrade` trước.",
            "There is no scan table yet: run `truyxuat db upgrade` first.",
        )
    current = Month.of(now)
    horizon = current
    for _ in range(ahead):
        horizon = horizon.next()
    if kind == "r":
        _convert(connection, report, current=current, horizon=horizon)
        return report
    _ensure_keys(connection)
    for month in months_between(current, horizon):
        _add_month(connection, report, month)
    if _missing(connection, DEFAULT_PARTITION):
        _execute(connection, f"CREATE TABLE {DEFAULT_PARTITION} PARTITION OF {TABLE} DEFAULT")
        report.created.append(DEFAULT_PARTITION)
    return report


def _missing(connection: Connection, name: str) -> bool:
    return connection.scalar(text("SELECT to_regclass(:name)"), {"name": name}) is None


def _execute(connection: Connection, statement: str) -> None:
    connection.execute(text(statement))


def _convert(
    connection: Connection, report: PartitionReport, *, current: Month, horizon: Month
) -> None:
    # Writers wait for the lock, then find the new table under the same name.
    _execute(connection, f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
    _check_serial_id(connection)
    indexes = _secondary_indexes(connection)
    sequence = connection.scalar(text(f"SELECT pg_get_serial_sequence('{TABLE}', 'id')"))
    oldest = connection.scalar(text(f"SELECT min({PARTITION_KEY}) FROM {TABLE}"))
    before = int(connection.scalar(text(f"SELECT count(*) FROM {TABLE}")) or 0)

    # Copies the columns, their NOT NULLs and defaults (the id's nextval among them).
    _execute(
        connection,
        f"CREATE TABLE {NEW_TABLE} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING STORAGE "
        f"INCLUDING COMMENTS) PARTITION BY RANGE ({PARTITION_KEY})",
    )
    first = min(Month.of(oldest), current) if oldest is not None else current
    for month in months_between(first, horizon):
        low, high = month.bounds
        _execute(
            connection,
            f"CREATE TABLE {month.partition} PARTITION OF {NEW_TABLE} "
            f"FOR VALUES FROM ('{low}') TO ('{high}')",
        )
        report.created.append(month.partition)
    _execute(connection, f"CREATE TABLE {DEFAULT_PARTITION} PARTITION OF {NEW_TABLE} DEFAULT")
    report.created.append(DEFAULT_PARTITION)

    _execute(connection, f"INSERT INTO {NEW_TABLE} SELECT * FROM {TABLE}")
    after = int(connection.scalar(text(f"SELECT count(*) FROM {NEW_TABLE}")) or 0)
    if after != before:
        raise RuntimeError(f"copied {after} of {before} scans; nothing was changed")

    # The sequence belongs to the old id column: give it to the new one, or the drop
    # takes it along.
    if sequence is not None:
        _execute(connection, f"ALTER SEQUENCE {sequence} OWNED BY {NEW_TABLE}.id")
    _execute(connection, f"DROP TABLE {TABLE}")
    _execute(connection, f"ALTER TABLE {NEW_TABLE} RENAME TO {TABLE}")
    # Indexes made after the copy: one pass over the rows instead of one per insert.
    _execute(
        connection,
        f"ALTER TABLE {TABLE} ADD CONSTRAINT {PRIMARY_KEY} PRIMARY KEY (id, {PARTITION_KEY})",
    )
    for definition in indexes:
        _execute(connection, definition)
    report.converted = True
    report.rows_copied = after


def _check_serial_id(connection: Connection) -> None:
    identity = connection.scalar(
        text(
            "SELECT is_identity FROM information_schema.columns "
            "WHERE table_name = :table AND column_name = 'id' AND table_schema = current_schema()"
        ),
        {"table": TABLE},
    )
    if identity == "YES":
        # LIKE would give the copy a new identity sequence starting again at 1.
        raise Conflict(
            "Cột scan.id là cột identity: lệnh này chỉ chuyển được bảng dùng sequence.",
            "scan.id is an identity column: this command only converts a sequence-backed id.",
        )


def _secondary_indexes(connection: Connection) -> Sequence[str]:
    """CREATE INDEX statements of every index but the primary key's, as they are now."""
    rows = connection.scalars(
        text(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = to_regclass(:table) AND NOT i.indisprimary "
            "ORDER BY i.indexrelid"
        ),
        {"table": TABLE},
    )
    return list(rows)


def _add_month(connection: Connection, report: PartitionReport, month: Month) -> None:
    if not _missing(connection, month.partition):
        return
    low, high = month.bounds
    create = (
        f"CREATE TABLE {month.partition} PARTITION OF {TABLE} "
        f"FOR VALUES FROM ('{low}') TO ('{high}')"
    )
    in_range = f"{PARTITION_KEY} >= '{low}' AND {PARTITION_KEY} < '{high}'"
    waiting = 0
    if not _missing(connection, DEFAULT_PARTITION):
        waiting = int(
            connection.scalar(text(f"SELECT count(*) FROM {DEFAULT_PARTITION} WHERE {in_range}"))
            or 0
        )
    if waiting:
        # A new range may not overlap rows the default partition holds: take the default
        # out, move those rows into the new month, put it back.
        _execute(connection, f"ALTER TABLE {TABLE} DETACH PARTITION {DEFAULT_PARTITION}")
        _execute(connection, create)
        _execute(
            connection,
            f"INSERT INTO {TABLE} SELECT * FROM {DEFAULT_PARTITION} WHERE {in_range}",
        )
        _execute(connection, f"DELETE FROM {DEFAULT_PARTITION} WHERE {in_range}")
        _execute(connection, f"ALTER TABLE {TABLE} ATTACH PARTITION {DEFAULT_PARTITION} DEFAULT")
        report.rows_moved_from_default += waiting
    else:
        _execute(connection, create)
    report.created.append(month.partition)


def _ensure_keys(connection: Connection) -> None:
    """A table partitioned by hand (as an earlier version of the deployment guide did)
    may lack the primary key and indexes: add what is missing."""
    has_key = connection.scalar(
        text(
            "SELECT count(*) FROM pg_constraint "
            "WHERE conrelid = to_regclass(:table) AND contype = 'p'"
        ),
        {"table": TABLE},
    )
    if not has_key:
        _execute(
            connection,
            f"ALTER TABLE {TABLE} ADD CONSTRAINT {PRIMARY_KEY} PRIMARY KEY (id, {PARTITION_KEY})",
        )
    for index in Scan.metadata.tables[TABLE].indexes:
        connection.execute(CreateIndex(index, if_not_exists=True))
