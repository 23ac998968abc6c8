"""label run claim: which server process renders a print run

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 15:25:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import registry.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("label_run") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=300), nullable=True))
        batch.add_column(
            sa.Column("claimed_at", registry.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("label_run") as batch:
        batch.drop_column("claimed_at")
        batch.drop_column("claimed_by")
