"""market codes and export guard: planting-area and packing-house codes approved per
market, their history, yield ceilings, the guard's refusals, and the export columns of lot

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 17:00:40.329487
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import registry.db
import registry.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PACKHOUSE_COLUMN = "packhouse_location_id"
PACKHOUSE_FK = "fk_lot_packhouse_location_id_location"
PACKHOUSE_FK_SQL = f"CONSTRAINT {PACKHOUSE_FK} REFERENCES location (id)"


def upgrade() -> None:
    op.add_column("lot", sa.Column("export_market", sa.String(length=2), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # ADD COLUMN with a REFERENCES clause: no rebuild of lot, which the recalls and
        # label runs referring to it would stop (SQLite drops a referenced table row by row).
        op.execute(f"ALTER TABLE lot ADD COLUMN {PACKHOUSE_COLUMN} INTEGER {PACKHOUSE_FK_SQL}")
    else:
        op.add_column(
            "lot",
            sa.Column(
                PACKHOUSE_COLUMN,
                sa.Integer(),
                sa.ForeignKey("location.id", name=PACKHOUSE_FK),
                nullable=True,
            ),
        )

    op.create_table(
        "yield_ceiling",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crop", sa.String(length=200), nullable=False),
        sa.Column("crop_key", sa.String(length=200), nullable=False),
        sa.Column("tonnes_per_ha", sa.Numeric(precision=10, scale=3), nullable=False),
        sa.Column("season_start_month", sa.Integer(), nullable=False),
        sa.Column("created_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_yield_ceiling")),
        sa.UniqueConstraint("crop_key", name=op.f("uq_yield_ceiling_crop_key")),
    )
    op.create_table(
        "market_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("issuing_body", sa.String(length=300), nullable=False),
        sa.Column("crop", sa.String(length=200), nullable=False),
        sa.Column("area_ha", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("households", sa.Integer(), nullable=True),
        sa.Column("boundary", sa.Text(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("created_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_market_code_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_code")),
        sa.UniqueConstraint("code", name=op.f("uq_market_code_code")),
    )
    with op.batch_alter_table("market_code", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_market_code_location_id"), ["location_id"], unique=False
        )

    op.create_table(
        "market_approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("market_code_id", sa.Integer(), nullable=False),
        sa.Column("market", sa.String(length=2), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "suspended",
                "revoked",
                name="approvalstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("changed_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["market_code_id"],
            ["market_code.id"],
            name=op.f("fk_market_approval_market_code_id_market_code"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_approval")),
        sa.UniqueConstraint(
            "market_code_id", "market", name=op.f("uq_market_approval_market_code_id_market")
        ),
    )
    with op.batch_alter_table("market_approval", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_market_approval_market_code_id"), ["market_code_id"], unique=False
        )

    op.create_table(
        "market_code_change",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("market_code_id", sa.Integer(), nullable=False),
        sa.Column("market", sa.String(length=2), nullable=True),
        sa.Column("at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("what", sa.String(length=32), nullable=False),
        sa.Column("from_value", sa.String(length=300), nullable=True),
        sa.Column("to_value", sa.String(length=300), nullable=True),
        sa.Column("reason", sa.String(length=2000), nullable=True),
        sa.Column(
            "source",
            sa.Enum("manual", "imported", name="changesource", native_enum=False, length=16),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["market_code_id"],
            ["market_code.id"],
            name=op.f("fk_market_code_change_market_code_id_market_code"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_market_code_change_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_code_change")),
    )
    with op.batch_alter_table("market_code_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_market_code_change_market_code_id"), ["market_code_id"], unique=False
        )

    op.create_table(
        "export_guard_refusal",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("lot_code", sa.String(length=20), nullable=False),
        sa.Column("market", sa.String(length=2), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("attempt", sa.String(length=32), nullable=False),
        sa.Column("message_vi", sa.String(length=1000), nullable=False),
        sa.Column("message_en", sa.String(length=1000), nullable=False),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("seen_at", registry.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("seen_by", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_export_guard_refusal_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lot.id"], name=op.f("fk_export_guard_refusal_lot_id_lot")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_export_guard_refusal_product_id_product")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_guard_refusal")),
    )
    with op.batch_alter_table("export_guard_refusal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_export_guard_refusal_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_export_guard_refusal_enterprise_id"), ["enterprise_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("export_guard_refusal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_guard_refusal_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_export_guard_refusal_at"))

    op.drop_table("export_guard_refusal")
    with op.batch_alter_table("market_code_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_code_change_market_code_id"))

    op.drop_table("market_code_change")
    with op.batch_alter_table("market_approval", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_approval_market_code_id"))

    op.drop_table("market_approval")
    with op.batch_alter_table("market_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_code_location_id"))

    op.drop_table("market_code")
    op.drop_table("yield_ceiling")

    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE lot DROP COLUMN {PACKHOUSE_COLUMN}")
        op.execute("ALTER TABLE lot DROP COLUMN export_market")
    else:
        op.drop_constraint(PACKHOUSE_FK, "lot", type_="foreignkey")
        op.drop_column("lot", PACKHOUSE_COLUMN)
        op.drop_column("lot", "export_market")
