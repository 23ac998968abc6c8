"""`truyxuat db partitions`: an unpartitioned `scan` with rows becomes monthly partitions
with no row lost and every key and index in place; run again, it adds the months that
are missing and moves their rows out of the default partition. On SQLite it says it
does not apply and changes nothing."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from registry.scans.partitions import Month
from registry.settings import get_settings
from service.cli import main
from tests.databases import Databases
from tests.faults.harness import postgres_unavailable_reason

EXPECTED_INDEXES = {"pk_scan", "ix_scan_gtin_scanned_at", "ix_scan_serial"}
ROWS = 6_000


def _partitions(database_url: str, ahead: int, monkeypatch: pytest.MonkeyPatch) -> Result:
    """`truyxuat db partitions` run in this process: the same command as in a shell, without
    a second Python importing the app for each of the four runs."""
    monkeypatch.setenv("TRUYXUAT_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(main, ["db", "partitions", "--ahead", str(ahead)])
    finally:
        get_settings.cache_clear()


def _failure(result: Result) -> str:
    return f"{result.output}\n{result.exception!r}"


def _fingerprint(connection: Connection) -> tuple[int, str]:
    """Row count and a digest of every column of every row, in id order."""
    row = connection.execute(
        text("SELECT count(*), md5(string_agg(s::text, '|' ORDER BY s.id)) FROM scan AS s")
    ).one()
    return int(row[0]), str(row[1])


def _insert_scans(connection: Connection, *, first: dt.datetime, spread_days: int) -> None:
    """ROWS scans spread evenly from `first` over `spread_days`, a third with serials."""
    connection.execute(
        text(
            "INSERT INTO scan (scanned_at, gtin, lot, serial, verdict, device_hash, agent_class,"
            " province_code, latitude, longitude) "
            "SELECT :first + (n * :spread / :rows) * interval '1 day', '08934521000008', "
            "'L' || (n % 7), CASE WHEN n % 3 = 0 THEN 'S' || n END, 'genuine', md5(n::text), "
            "'mobile', CASE WHEN n % 5 = 0 THEN '87' END, 10.4, 105.6 "
            "FROM generate_series(1, :rows) AS n"
        ),
        {"first": first, "spread": float(spread_days), "rows": ROWS},
    )


def _index_names(connection: Connection, table: str) -> set[str]:
    rows = connection.execute(
        text(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = to_regclass(:table)"
        ),
        {"table": table},
    )
    return {name for (name,) in rows}


def _layout(connection: Connection) -> dict[str, int]:
    """Rows per partition, every partition listed."""
    rows = connection.execute(
        text(
            "SELECT c.relname, (SELECT count(*) FROM scan s WHERE s.tableoid = c.oid) "
            "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'scan'::regclass"
        )
    )
    return {name: int(count) for name, count in rows}


def _misplaced(connection: Connection) -> int:
    """Rows whose month partition exists but which sit elsewhere."""
    return int(
        connection.scalar(
            text(
                "SELECT count(*) FROM scan s WHERE to_regclass("
                "'scan_' || to_char(s.scanned_at AT TIME ZONE 'UTC', 'YYYY_MM')) "
                "IS DISTINCT FROM s.tableoid::regclass AND to_regclass("
                "'scan_' || to_char(s.scanned_at AT TIME ZONE 'UTC', 'YYYY_MM')) IS NOT NULL"
            )
        )
        or 0
    )


@pytest.mark.postgres
@pytest.mark.slow
def test_partitions_convert_a_scan_table_with_rows_and_add_months_later(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    if reason := postgres_unavailable_reason():
        pytest.skip(reason)
    now = dt.datetime.now(dt.UTC)
    current = Month.of(now)
    # A copy of the worker's migrated template: the same tables as a migration made here.
    with databases.new("postgresql") as database_url:
        engine = create_engine(database_url, poolclass=NullPool)
        try:
            with engine.begin() as connection:
                # Fourteen months back to nine ahead: past months, this one, and rows
                # beyond the horizon that only the default partition can take.
                _insert_scans(connection, first=now - dt.timedelta(days=420), spread_days=690)
                before = _fingerprint(connection)
                max_id = connection.scalar(text("SELECT max(id) FROM scan"))

            converted = _partitions(database_url, 2, monkeypatch)
            assert converted.exit_code == 0, _failure(converted)
            assert f"{ROWS} rows copied" in converted.output

            with engine.begin() as connection:
                assert (
                    connection.scalar(
                        text("SELECT relkind FROM pg_class WHERE oid = 'scan'::regclass")
                    )
                    == "p"
                )
                assert _fingerprint(connection) == before
                assert connection.scalar(text("SELECT to_regclass('scan_partitioned')")) is None
                assert _index_names(connection, "scan") == EXPECTED_INDEXES
                primary_key = connection.scalar(
                    text(
                        "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                        "WHERE conname = 'pk_scan'"
                    )
                )
                assert primary_key == "PRIMARY KEY (id, scanned_at)"
                layout = _layout(connection)
                horizon = current.next().next()
                oldest = Month.of(now - dt.timedelta(days=420))
                months = [oldest]
                while months[-1] != horizon:
                    months.append(months[-1].next())
                assert set(layout) == {m.partition for m in months} | {"scan_default"}
                for partition in layout:
                    # Each partition carries its own copy of every index.
                    assert len(_index_names(connection, partition)) == len(EXPECTED_INDEXES)
                assert _misplaced(connection) == 0
                beyond = connection.scalar(
                    text("SELECT count(*) FROM scan WHERE scanned_at >= :end"),
                    {"end": dt.datetime(*_first_of(horizon.next()), tzinfo=dt.UTC)},
                )
                assert layout["scan_default"] == beyond > 0
                # The id sequence went over to the new table and goes on where it was.
                new_id = connection.scalar(
                    text(
                        "INSERT INTO scan (scanned_at, gtin, verdict, device_hash, agent_class) "
                        "VALUES (now(), '08934521000008', 'genuine', 'x', 'mobile') RETURNING id"
                    )
                )
                assert new_id > max_id
                assert (
                    connection.scalar(text("SELECT pg_get_serial_sequence('scan', 'id')"))
                    == "public.scan_id_seq"
                )
                before = _fingerprint(connection)

            later = _partitions(database_url, 5, monkeypatch)
            assert later.exit_code == 0, _failure(later)
            added = [horizon.next(), horizon.next().next(), horizon.next().next().next()]
            for month in added:
                assert month.partition in later.output
            with engine.begin() as connection:
                layout = _layout(connection)
                assert {m.partition for m in added} <= set(layout)
                assert _fingerprint(connection) == before
                assert _misplaced(connection) == 0
                assert all(layout[m.partition] > 0 for m in added), layout
                for month in added:
                    assert len(_index_names(connection, month.partition)) == len(EXPECTED_INDEXES)

            again = _partitions(database_url, 5, monkeypatch)
            assert again.exit_code == 0, _failure(again)
            assert "Partitions created: —" in again.output
        finally:
            engine.dispose()


def _first_of(month: Month) -> tuple[int, int, int]:
    return month.year, month.month, 1


def test_partitions_do_not_apply_to_sqlite(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    with databases.new("sqlite") as url:
        database = make_url(url).database
        assert database is not None
        schema = "SELECT sql FROM sqlite_master"
        schema_before = sqlite3.connect(database).execute(schema).fetchall()
        answer = _partitions(url, 3, monkeypatch)
        assert answer.exit_code == 0, _failure(answer)
        assert "Does not apply to sqlite" in answer.output
        assert "Không áp dụng" in answer.output
        assert sqlite3.connect(database).execute(schema).fetchall() == schema_before
