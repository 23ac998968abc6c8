"""The migration chain on a database that holds the demo data: upgrading again keeps
every row, downgrade to base then upgrade is clean, and the models match the schema."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, inspect, select, table

import registry.models  # noqa: F401 - every table in the metadata
from registry.db import Base, make_engine
from registry.migrate import alembic_config, current_heads, downgrade, upgrade
from service.backup import fingerprints
from tests.databases import Databases
from tests.faults.harness import demo_database

VERSION_TABLE = "alembic_version"


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def _row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            name: int(connection.scalar(select(func.count()).select_from(table(name))) or 0)
            for name in Base.metadata.tables
        }


def _rows(engine: Engine, name: str) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return sorted(tuple(row) for row in connection.execute(select(Base.metadata.tables[name])))


def test_the_migration_chain_has_one_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, heads


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_migrations_keep_demo_rows_and_round_trip_cleanly(kind: str, databases: Databases) -> None:
    (head,) = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    # A copy of this process's migrated demo database; the chain from an empty database
    # runs below (downgrade to base, then upgrade).
    with demo_database(databases, kind) as (url, _):
        engine = make_engine(url)
        try:
            assert current_heads(url) == {head}
            assert _differences(engine) == []
            before = fingerprints(engine)
            assert before["product"][0] > 0 and before["lot"][0] > 0

            upgrade(url)  # already at head: must change nothing
            assert fingerprints(engine) == before

            # The producers' place rollup, made from the stored scans when it is added,
            # holds what the scan writer put in it.
            places = _rows(engine, "scan_month_enterprise_place")
            assert places
            downgrade(url, "0007")
            upgrade(url)
            engine.dispose()
            assert _rows(engine, "scan_month_enterprise_place") == places

            downgrade(url, "base")
            engine.dispose()
            assert current_heads(url) == set()
            assert set(inspect(engine).get_table_names()) <= {VERSION_TABLE}

            upgrade(url)
            engine.dispose()
            assert current_heads(url) == {head}
            assert set(inspect(engine).get_table_names()) == {*Base.metadata.tables, VERSION_TABLE}
            assert set(_row_counts(engine).values()) == {0}
            assert _differences(engine) == []
        finally:
            engine.dispose()
