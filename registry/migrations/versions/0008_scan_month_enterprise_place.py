"""scan month enterprise place: a producer's scans by month and place, filled from the
scans already stored

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 14:30:00.000000
"""

import datetime as dt
from collections import Counter
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import registry.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As registry.stats.rollups counts, frozen here so that this step does not change with it.
REPORTING_ZONE = dt.timezone(dt.timedelta(hours=7))
COUNTED_AGENTS = ("mobile", "desktop")
BATCH = 50_000

scan = sa.table(
    "scan",
    sa.column("id", sa.BigInteger),
    sa.column("scanned_at", registry.db.UTCDateTime(timezone=True)),
    sa.column("gtin", sa.String),
    sa.column("agent_class", sa.String),
    sa.column("province_code", sa.String),
    sa.column("ward_code", sa.String),
)
product = sa.table("product", sa.column("gtin", sa.String), sa.column("enterprise_id", sa.Integer))


def upgrade() -> None:
    rollup = op.create_table(
        "scan_month_enterprise_place",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.String(length=16), nullable=False),
        sa.Column("ward_code", sa.String(length=16), nullable=False),
        sa.Column("scan_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month",
            "enterprise_id",
            "province_code",
            "ward_code",
            name=op.f("pk_scan_month_enterprise_place"),
        ),
    )
    counts: Counter[tuple[dt.date, int, str, str]] = Counter()
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(
                scan.c.id,
                scan.c.scanned_at,
                product.c.enterprise_id,
                scan.c.province_code,
                scan.c.ward_code,
            )
            .join(product, product.c.gtin == scan.c.gtin)
            .where(
                scan.c.id > last_id,
                scan.c.agent_class.in_(COUNTED_AGENTS),
                sa.or_(scan.c.province_code.is_not(None), scan.c.ward_code.is_not(None)),
            )
            .order_by(scan.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        for _, scanned_at, enterprise_id, province, ward in rows:
            month = scanned_at.astimezone(REPORTING_ZONE).date().replace(day=1)
            counts[(month, enterprise_id, province or "", ward or "")] += 1
        last_id = rows[-1][0]
    if not counts:
        return
    op.bulk_insert(
        rollup,
        [
            {"month": m, "enterprise_id": e, "province_code": p, "ward_code": w, "scan_count": n}
            for (m, e, p, w), n in sorted(counts.items())
        ],
    )


def downgrade() -> None:
    op.drop_table("scan_month_enterprise_place")
