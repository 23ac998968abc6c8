"""consignments: export shipments of lots, each recorded as an EPCIS shipping event

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 17:03:10.418018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import registry.db

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("market", sa.String(length=2), nullable=False),
        sa.Column("importer_name", sa.String(length=200), nullable=False),
        sa.Column("importer_country", sa.String(length=2), nullable=False),
        sa.Column("importer_address", sa.String(length=300), nullable=False),
        sa.Column("importer_uri", sa.String(length=64), nullable=False),
        sa.Column("certificate_number", sa.String(length=64), nullable=False),
        sa.Column("additional_declarations", sa.Text(), nullable=False),
        sa.Column(
            "treatment", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "lab_results", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("container_number", sa.String(length=11), nullable=False),
        sa.Column(
            "seal_numbers", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("departed_on", sa.Date(), nullable=False),
        sa.Column("port_of_loading", sa.String(length=120), nullable=False),
        sa.Column("port_of_discharge", sa.String(length=120), nullable=False),
        sa.Column("event_id", sa.String(length=500), nullable=True),
        sa.Column("created_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_consignment_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_consignment_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consignment")),
    )
    with op.batch_alter_table("consignment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consignment_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "consignment_lot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consignment_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.Column("unit", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["consignment_id"],
            ["consignment.id"],
            name=op.f("fk_consignment_lot_consignment_id_consignment"),
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.id"], name=op.f("fk_consignment_lot_lot_id_lot")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consignment_lot")),
        sa.UniqueConstraint(
            "consignment_id", "lot_id", name=op.f("uq_consignment_lot_consignment_id_lot_id")
        ),
    )
    with op.batch_alter_table("consignment_lot", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consignment_lot_consignment_id"), ["consignment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_consignment_lot_lot_id"), ["lot_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("consignment_lot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consignment_lot_lot_id"))
        batch_op.drop_index(batch_op.f("ix_consignment_lot_consignment_id"))

    op.drop_table("consignment_lot")
    with op.batch_alter_table("consignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consignment_enterprise_id"))

    op.drop_table("consignment")
