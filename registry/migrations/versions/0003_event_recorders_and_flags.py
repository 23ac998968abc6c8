"""event recorders and flags: who recorded each event, and owners' flags to the agency

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 06:07:29.214111
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import registry.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RECORDERS = (
    ("recorded_by_user_id", "user_account", "fk_epcis_event_recorded_by_user_id_user_account"),
    ("recorded_by_key_id", "api_key", "fk_epcis_event_recorded_by_key_id_api_key"),
)


def upgrade() -> None:
    op.create_table(
        "epcis_event_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("flagged_by_user_id", sa.Integer(), nullable=True),
        sa.Column("flagged_at", registry.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", registry.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_note", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_epcis_event_flag_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["event_pk"],
            ["epcis_event.id"],
            name=op.f("fk_epcis_event_flag_event_pk_epcis_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["flagged_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_epcis_event_flag_flagged_by_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_event_flag")),
        sa.UniqueConstraint(
            "event_pk", "enterprise_id", name=op.f("uq_epcis_event_flag_event_pk_enterprise_id")
        ),
    )
    with op.batch_alter_table("epcis_event_flag", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_epcis_event_flag_closed_at"), ["closed_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_epcis_event_flag_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_epcis_event_flag_event_pk"), ["event_pk"], unique=False
        )

    # A plain ADD COLUMN with its REFERENCES clause on SQLite: a batch copy would rebuild
    # the event table, the largest of the database, together with its cascading children.
    for column, target, name in _RECORDERS:
        if op.get_bind().dialect.name == "sqlite":
            op.execute(
                f"ALTER TABLE epcis_event ADD COLUMN {column} INTEGER "
                f"CONSTRAINT {name} REFERENCES {target} (id)"
            )
        else:
            op.add_column("epcis_event", sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(name, "epcis_event", target, [column], ["id"])


def downgrade() -> None:
    for column, _, name in _RECORDERS:
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE epcis_event DROP COLUMN {column}")
        else:
            op.drop_constraint(name, "epcis_event", type_="foreignkey")
            op.drop_column("epcis_event", column)
    with op.batch_alter_table("epcis_event_flag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_event_flag_event_pk"))
        batch_op.drop_index(batch_op.f("ix_epcis_event_flag_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_epcis_event_flag_closed_at"))
    op.drop_table("epcis_event_flag")
