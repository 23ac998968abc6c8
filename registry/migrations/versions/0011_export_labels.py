"""export labels: Chinese product names, the exporter's China registration number,
the template of a print run

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 17:10:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_COLUMNS: tuple[tuple[str, sa.Column[Any]], ...] = (
    ("product", sa.Column("name_zh", sa.String(length=300), nullable=True)),
    ("enterprise", sa.Column("china_registration_number", sa.String(length=64), nullable=True)),
    (
        "label_run",
        sa.Column(
            "template",
            sa.Enum("product", "export", name="runtemplate", native_enum=False, length=16),
            nullable=False,
            server_default="product",
        ),
    ),
)


def upgrade() -> None:
    for table, column in _COLUMNS:
        op.add_column(table, column)


def downgrade() -> None:
    # Not batch mode: on SQLite it would copy and drop the enterprise and product tables,
    # which other tables' foreign keys point at (SQLite drops a column in place since 3.35).
    for table, column in reversed(_COLUMNS):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column.name}")
        else:
            op.drop_column(table, column.name)
