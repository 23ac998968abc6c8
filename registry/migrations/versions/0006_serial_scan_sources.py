"""serial scan sources: the networks and devices that scanned each serial

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 11:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "serial_scan_source",
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("lot", sa.String(length=20), nullable=False),
        sa.Column("serial", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("first_seen_on", sa.Date(), nullable=False),
        sa.Column("last_seen_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint(
            "gtin", "lot", "serial", "source", name=op.f("pk_serial_scan_source")
        ),
    )


def downgrade() -> None:
    op.drop_table("serial_scan_source")
