"""prefix requests and identity changes: nothing is issued under a prefix an officer
has not granted, and a verified identity changes only when an officer approves

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 05:55:28.886045
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import registry.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enterprise_identity_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("legal_name", sa.String(length=300), nullable=True),
        sa.Column("tax_code", sa.String(length=13), nullable=True),
        sa.Column("tax_code_kind", sa.String(length=16), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "company",
                "cooperative",
                "household",
                name="enterprisekind",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "rejected",
                name="identitychangestatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", registry.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_enterprise_identity_change_enterprise_id_enterprise"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_identity_change")),
    )
    with op.batch_alter_table("enterprise_identity_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enterprise_identity_change_enterprise_id"),
            ["enterprise_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_enterprise_identity_change_status"), ["status"], unique=False
        )

    op.create_table(
        "prefix_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum("own", "pool", name="prefixsource", native_enum=False, length=8),
            nullable=False,
        ),
        sa.Column("prefix", sa.String(length=12), nullable=True),
        sa.Column("licence_number", sa.String(length=64), nullable=True),
        sa.Column("licence_valid_from", sa.Date(), nullable=True),
        sa.Column("licence_valid_until", sa.Date(), nullable=True),
        sa.Column("certificate_path", sa.String(length=300), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "granted",
                "rejected",
                name="prefixrequeststatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", registry.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("company_prefix_id", sa.Integer(), nullable=True),
        sa.Column("created_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_prefix_id"],
            ["company_prefix.id"],
            name=op.f("fk_prefix_request_company_prefix_id_company_prefix"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_prefix_request_enterprise_id_enterprise"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prefix_request")),
    )
    with op.batch_alter_table("prefix_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prefix_request_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_prefix_request_prefix"), ["prefix"], unique=False)
        batch_op.create_index(batch_op.f("ix_prefix_request_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("prefix_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prefix_request_status"))
        batch_op.drop_index(batch_op.f("ix_prefix_request_prefix"))
        batch_op.drop_index(batch_op.f("ix_prefix_request_enterprise_id"))

    op.drop_table("prefix_request")
    with op.batch_alter_table("enterprise_identity_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_identity_change_status"))
        batch_op.drop_index(batch_op.f("ix_enterprise_identity_change_enterprise_id"))

    op.drop_table("enterprise_identity_change")
