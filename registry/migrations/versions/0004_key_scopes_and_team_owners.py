"""key scopes and team owners: agency keys read unless given the write scope; the
person who signed an enterprise up manages its team

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 11:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "scope",
                sa.Enum("read", "write", name="keyscope", native_enum=False, length=16),
                server_default="write",
                nullable=False,
            )
        )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_owner", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # Agency keys were described as "reads everything": that is what they become.
    op.execute("UPDATE api_key SET scope = 'read' WHERE role = 'agency'")
    # Each enterprise's first account is the one that signed it up.
    op.execute(
        "UPDATE user_account SET is_owner = true WHERE id IN ("
        " SELECT min(id) FROM user_account WHERE enterprise_id IS NOT NULL"
        " GROUP BY enterprise_id)"
    )


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a batch copy: events, flags and audit
    # rows point at user_account, and SQLite's copy-and-rename would trip their foreign keys.
    op.drop_column("user_account", "is_owner")
    op.drop_column("api_key", "scope")
