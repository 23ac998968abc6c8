"""Folding every stored scan back into the statistics rollups (after a fix to how they
count): the scans are read here and handed to registry.stats.rollups as ScanFacts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from registry.scans.models import Scan
from registry.stats.models import STATS_TABLES
from registry.stats.rollups import ScanFacts, apply_scans


def facts_of_stored(scan: Scan) -> ScanFacts:
    return ScanFacts(
        scan.scanned_at,
        scan.gtin,
        scan.verdict,
        scan.agent_class,
        scan.province_code,
        scan.ward_code,
    )


def rebuild_rollups(session: Session, *, batch_size: int = 50_000) -> int:
    """Empty the rollups and fold every stored scan back in, in id order and batches."""
    for table in STATS_TABLES:
        session.execute(delete(cast(Table, table)))
    counted = 0
    last_id = 0
    while True:
        batch: Sequence[Scan] = session.scalars(
            select(Scan).where(Scan.id > last_id).order_by(Scan.id).limit(batch_size)
        ).all()
        if not batch:
            return counted
        counted += apply_scans(session, [facts_of_stored(scan) for scan in batch])
        last_id = batch[-1].id
        session.expunge_all()
