"""Concurrent GTIN allocation on a real database, with real commits.

Eight threads allocate in rounds that start together (a barrier before each unit of work),
so every round is a fresh race between eight transactions. Checked in a scratch copy with
deliberately racy allocators, five runs each: on PostgreSQL, handing out the counter read
without a re-check after its row is locked, checking before the UPDATE, or taking the largest
stored GTIN plus one, duplicated a GTIN in every run (UniqueViolation); on SQLite, where the
write lock taken at BEGIN IMMEDIATE makes even those correct, a deferred BEGIN failed every
run ("database is locked"). Reading the counter and writing it back is safe here: the
re-check after the row is locked skips a number another transaction took. Five rounds are a
margin over the one that caught each; the 1,600 allocations this test made before proved
nothing more and took 8.7 s on PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from registry.actor import SYSTEM
from registry.audit.models import AuditEntry
from registry.db import make_sessionmaker, unit_of_work
from registry.enterprises.models import Enterprise
from registry.prefixes.models import CompanyPrefix
from registry.prefixes.service import record_granted_prefix
from registry.products.models import Product
from registry.products.service import ProductDetails, create_product
from tests.factories import make_enterprise

THREADS = 8
ROUNDS = 5
# Long enough for a loaded machine; a thread that fails breaks the barrier for the others,
# and a barrier that times out leaves every list short.
ROUND_START_TIMEOUT_SECONDS = 60


@pytest.fixture
def committed_enterprise(engine: Engine) -> Iterator[int]:
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as session:
        enterprise = make_enterprise(session, prefix=False)
        # An 8-digit prefix holds 10,000 GTINs, enough for every allocation below.
        record_granted_prefix(
            session,
            actor=SYSTEM,
            enterprise=enterprise,
            prefix=f"8935{uuid.uuid4().int % 10_000:04d}",
        )
        enterprise_id = enterprise.id
    yield enterprise_id
    with unit_of_work(sessions) as session:
        session.execute(delete(Product).where(Product.enterprise_id == enterprise_id))
        session.execute(delete(AuditEntry).where(AuditEntry.enterprise_id == enterprise_id))
        session.execute(delete(CompanyPrefix).where(CompanyPrefix.enterprise_id == enterprise_id))
        session.execute(delete(Enterprise).where(Enterprise.id == enterprise_id))


def test_racing_allocations_never_duplicate(engine: Engine, committed_enterprise: int) -> None:
    sessions = make_sessionmaker(engine)
    round_start = threading.Barrier(THREADS)

    def allocate_many(worker: int) -> list[str]:
        gtins: list[str] = []
        for n in range(ROUNDS):
            try:
                round_start.wait(ROUND_START_TIMEOUT_SECONDS)
            except threading.BrokenBarrierError:
                return gtins  # another thread failed: its error is the one reported
            try:
                with unit_of_work(sessions) as session:
                    enterprise = session.get_one(Enterprise, committed_enterprise)
                    product = create_product(
                        session,
                        actor=SYSTEM,
                        enterprise=enterprise,
                        details=ProductDetails(name_vi=f"Sản phẩm {worker}-{n}"),
                    )
                    gtins.append(product.gtin)
            except BaseException:
                round_start.abort()
                raise
        return gtins

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(allocate_many, range(THREADS)))
    allocated = [gtin for batch in results for gtin in batch]
    assert len(allocated) == THREADS * ROUNDS
    assert len(set(allocated)) == len(allocated)
    with Session(engine) as session:
        stored = session.scalars(
            select(Product.gtin).where(Product.enterprise_id == committed_enterprise)
        ).all()
    assert sorted(stored) == sorted(allocated)
    references = sorted(int(gtin[-5:-1]) for gtin in allocated)
    assert references == list(range(len(allocated))), "no gaps: every number is used once"
