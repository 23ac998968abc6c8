"""The operator commands, against a fresh database of each kind."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.models import ApiKey, User
from registry.db import make_engine
from registry.enterprises.models import Enterprise
from registry.lots.models import Lot
from registry.migrate import current_heads
from registry.print_runs.models import LabelRun
from registry.products.models import Product
from service.cli import main
from service.demo import ENTERPRISES, tax_code


def _count(url: str, model: type) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        value = int(session.scalar(select(func.count()).select_from(model)) or 0)
    engine.dispose()
    return value


def test_upgrade_demo_load_is_idempotent(cli_env: str) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert "administrative units" in first.output
    for _ in range(2):
        loaded = runner.invoke(main, ["demo", "load"])
        assert loaded.exit_code == 0, loaded.output
        # The Digital Link of the durian cooperative's export lot, to open its page.
        assert "/10/SRCN-2611-01" in loaded.output.split("Export lot for China: ")[1]
    # The demo enterprises, and one waiting for verification with a prefix request.
    assert _count(cli_env, Enterprise) == len(ENTERPRISES) + 1 >= 9
    assert _count(cli_env, Product) >= 25


def test_user_and_api_key_creation(demo_cli_env: str) -> None:
    runner = CliRunner()
    enterprise_tax_code = tax_code(ENTERPRISES[0].tax_base)
    created = runner.invoke(
        main,
        [
            "user",
            "create",
            "--email",
            "ke.toan@hoaloc.vn",
            "--role",
            "enterprise",
            "--enterprise",
            enterprise_tax_code,
            "--password-stdin",
        ],
        input="mat-khau-that-dai\n",
    )
    assert created.exit_code == 0, created.output
    short = runner.invoke(
        main,
        ["user", "create", "--email", "x@y.vn", "--role", "agency", "--password-stdin"],
        input="ngan\n",
    )
    assert short.exit_code == 1
    assert "Error:" in short.output and "Lỗi:" in short.output
    key = runner.invoke(
        main, ["apikey", "create", "--enterprise", enterprise_tax_code, "--name", "ERP"]
    )
    assert key.exit_code == 0
    assert key.output.strip().startswith("tx_")
    both = runner.invoke(main, ["apikey", "create", "--agency", "--admin"])
    assert both.exit_code != 0


def test_the_cli_asks_the_status_policy(demo_cli_env: str, tmp_path: Path) -> None:
    """The demo's unverified beekeeper gets no key, no user and no labels from the shell."""
    runner = CliRunner()
    pending = next(spec for spec in ENTERPRISES if not spec.verified)
    engine = make_engine(demo_cli_env)
    with Session(engine) as session:
        gtin, lot_code = session.execute(
            select(Product.gtin, Lot.code)
            .join(Lot, Lot.product_id == Product.id)
            .join(Enterprise, Enterprise.id == Product.enterprise_id)
            .where(Enterprise.tax_code == tax_code(pending.tax_base))
        ).first() or ("", "")
    engine.dispose()
    before = [_count(demo_cli_env, model) for model in (ApiKey, User, LabelRun)]
    refused = [
        runner.invoke(main, ["apikey", "create", "--enterprise", tax_code(pending.tax_base)]),
        runner.invoke(
            main,
            ["user", "create", "--email", "ong@demo.vn", "--role", "enterprise",
             "--enterprise", tax_code(pending.tax_base), "--password-stdin"],
            input="mat-khau-that-dai\n",
        ),
        runner.invoke(
            main,
            ["labels", "print", "--gtin", gtin, "--lot", lot_code, "--count", "1",
             "-o", str(tmp_path / "tem.pdf")],
        ),
    ]  # fmt: skip
    for answer in refused:
        assert answer.exit_code == 1, answer.output
        assert "chờ xác minh" in answer.output and "is pending" in answer.output
    assert [_count(demo_cli_env, model) for model in (ApiKey, User, LabelRun)] == before


def test_gs1_and_taxcode_commands_are_registered() -> None:
    runner = CliRunner()
    gs1 = runner.invoke(main, ["gs1", "check", "--json", "https://id.gs1.org/01/08934521000008"])
    assert gs1.exit_code in (0, 1)
    assert "valid" in json.loads(gs1.output.splitlines()[0])
    tax = runner.invoke(main, ["taxcode", "check", tax_code(ENTERPRISES[0].tax_base)])
    assert tax.exit_code == 0


def test_db_upgrade_keeps_the_demo_rows(demo_cli_env: str) -> None:
    # The chain down to base and up again on the demo data, on both databases, is
    # tests/faults/test_migrations.py's round trip.
    runner = CliRunner()
    before = _count(demo_cli_env, Product)
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    assert _count(demo_cli_env, Product) == before
    assert len(current_heads(demo_cli_env)) == 1
