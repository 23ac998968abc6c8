"""Backup and restore round trip on both databases, checked row by row."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import delete

import registry.models  # noqa: F401  (every table in the metadata)
from registry.db import Base, make_engine
from registry.lots.models import Lot
from registry.print_runs.models import LabelRun
from service.backup import fingerprints
from service.cli import main


def test_backup_then_restore_gives_back_every_row(demo_cli_env: str, tmp_path: Path) -> None:
    runner = CliRunner()
    engine = make_engine(demo_cli_env)
    before = fingerprints(engine)
    assert before["product"][0] >= 25 and before["audit_entry"][0] > 0

    target = tmp_path / "backup.bin"
    made = runner.invoke(main, ["backup", "-o", str(target)])
    assert made.exit_code == 0, made.output
    assert target.stat().st_size > 0

    # The loss: every recorded lot and print run, with whatever refers to them.
    lost = {LabelRun.__table__, Lot.__table__}
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table in lost or any(key.column.table in lost for key in table.foreign_keys):
                connection.execute(delete(table))
    assert fingerprints(engine)["lot"][0] == 0 and fingerprints(engine)["recall"][0] == 0
    engine.dispose()

    restored = runner.invoke(main, ["restore", "--yes", str(target)])
    assert restored.exit_code == 0, restored.output
    engine = make_engine(demo_cli_env)
    assert fingerprints(engine) == before
    engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(migrated_cli_env: str, tmp_path: Path) -> None:
    runner = CliRunner()
    bogus = tmp_path / "not-a-backup.bin"
    bogus.write_bytes(b"hello")
    answer = runner.invoke(main, ["restore", "--yes", str(bogus)])
    assert answer.exit_code != 0
    assert "/" in answer.output
