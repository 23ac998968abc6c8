"""product master data for Verified by GS1, and the GPC the agency loads

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 17:10:00.000000

The free-text `net_content` stays as typed; where it reads plainly as a number and a
unit ("1 kg", "500ml", "1,5 lít") the value and UN/ECE Rec 20 unit are filled from it.
"""

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NET_CONTENT = re.compile(r"\s*(\d{1,9}(?:[.,]\d{1,3})?)\s*([^\W\d_]+)\s*\.?\s*", re.UNICODE)
_UNITS = {
    "g": "GRM",
    "gr": "GRM",
    "gram": "GRM",
    "kg": "KGM",
    "mg": "MGM",
    "ml": "MLT",
    "l": "LTR",
    "lit": "LTR",
    "lít": "LTR",
    "litre": "LTR",
    "liter": "LTR",
}


def parsed_net_content(text: str | None) -> tuple[Decimal, str] | None:
    match = _NET_CONTENT.fullmatch(text or "")
    if match is None:
        return None
    unit = _UNITS.get(match.group(2).lower())
    _whole, dot, decimals = match.group(1).partition(".")
    if dot and len(decimals) == 3:
        return None  # "1.200 kg": a thousand and two hundred in Vietnamese, 1.2 in English
    try:
        value = Decimal(match.group(1).replace(",", "."))
    except InvalidOperation:
        return None
    if unit is None or value <= 0:
        return None
    return value, unit


def upgrade() -> None:
    op.create_table(
        "gpc_category",
        sa.Column("code", sa.String(length=8), primary_key=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("parent_code", sa.String(length=8), nullable=True),
    )
    op.create_index("ix_gpc_category_level_title", "gpc_category", ["level", "title"])
    with op.batch_alter_table("product") as batch:
        batch.add_column(sa.Column("image_url", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("gpc_brick_code", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("net_content_value", sa.Numeric(18, 3), nullable=True))
        batch.add_column(sa.Column("net_content_unit", sa.String(length=3), nullable=True))
        batch.add_column(sa.Column("target_markets", sa.String(length=64), nullable=True))
    product = sa.table(
        "product",
        sa.column("id", sa.Integer),
        sa.column("net_content", sa.String),
        sa.column("net_content_value", sa.Numeric(18, 3)),
        sa.column("net_content_unit", sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(product.c.id, product.c.net_content).where(product.c.net_content.is_not(None))
    ).all()
    for product_id, text in rows:
        parsed = parsed_net_content(text)
        if parsed is not None:
            connection.execute(
                product.update()
                .where(product.c.id == product_id)
                .values(net_content_value=parsed[0], net_content_unit=parsed[1])
            )


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a batch copy of the table: lots
    # and certificates point at product rows, and SQLite's copy-and-rename would trip
    # their foreign keys.
    for column in (
        "target_markets",
        "net_content_unit",
        "net_content_value",
        "gpc_brick_code",
        "image_url",
    ):
        op.drop_column("product", column)
    op.drop_index("ix_gpc_category_level_title", table_name="gpc_category")
    op.drop_table("gpc_category")
