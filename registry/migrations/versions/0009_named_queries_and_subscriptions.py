"""named queries and subscriptions

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 14:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import registry.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "epcis_dead_letter",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("subscription_id", sa.String(length=40), nullable=False),
        sa.Column("owner", sa.String(length=40), nullable=False),
        sa.Column("dest", sa.String(length=2000), nullable=False),
        sa.Column(
            "event_ids", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=1000), nullable=False),
        sa.Column("created_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_dead_letter")),
    )
    with op.batch_alter_table("epcis_dead_letter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_epcis_dead_letter_owner"), ["owner"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_epcis_dead_letter_subscription_id"), ["subscription_id"], unique=False
        )

    op.create_table(
        "epcis_named_query",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "query", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("created_by", sa.String(length=300), nullable=False),
        sa.Column("created_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_named_query")),
        sa.UniqueConstraint("owner", "name", name=op.f("uq_epcis_named_query_owner_name")),
    )
    with op.batch_alter_table("epcis_named_query", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_epcis_named_query_owner"), ["owner"], unique=False)

    op.create_table(
        "epcis_subscription",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("query_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column(
            "role",
            sa.Enum("enterprise", "agency", "admin", name="role", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=300), nullable=False),
        sa.Column("dest", sa.String(length=2000), nullable=True),
        sa.Column("signature_token", sa.String(length=256), nullable=True),
        sa.Column("stream", sa.Boolean(), nullable=False),
        sa.Column(
            "schedule", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
        ),
        sa.Column("report_if_empty", sa.Boolean(), nullable=False),
        sa.Column("initial_record_time", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cursor_event_pk", sa.BigInteger(), nullable=False),
        sa.Column("created_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_notified_at", registry.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("leased_until", registry.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_key.id"], name=op.f("fk_epcis_subscription_api_key_id_api_key")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_epcis_subscription_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["query_id"],
            ["epcis_named_query.id"],
            name=op.f("fk_epcis_subscription_query_id_epcis_named_query"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_epcis_subscription_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_subscription")),
    )
    with op.batch_alter_table("epcis_subscription", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_epcis_subscription_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_epcis_subscription_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_epcis_subscription_owner"), ["owner"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_epcis_subscription_query_id"), ["query_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("epcis_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_subscription_query_id"))
        batch_op.drop_index(batch_op.f("ix_epcis_subscription_owner"))
        batch_op.drop_index(batch_op.f("ix_epcis_subscription_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_epcis_subscription_enterprise_id"))

    op.drop_table("epcis_subscription")
    with op.batch_alter_table("epcis_named_query", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_named_query_owner"))

    op.drop_table("epcis_named_query")
    with op.batch_alter_table("epcis_dead_letter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_dead_letter_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_epcis_dead_letter_owner"))

    op.drop_table("epcis_dead_letter")
