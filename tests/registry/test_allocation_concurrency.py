"""Concurrent GTIN allocation on a real database, with real commits."""

from __future__ import annotations

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
PER_THREAD = 200


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

    def allocate_many(worker: int) -> list[str]:
        gtins = []
        for n in range(PER_THREAD):
            with unit_of_work(sessions) as session:
                enterprise = session.get_one(Enterprise, committed_enterprise)
                product = create_product(
                    session,
                    actor=SYSTEM,
                    enterprise=enterprise,
                    details=ProductDetails(name_vi=f"Sản phẩm {worker}-{n}"),
                )
                gtins.append(product.gtin)
        return gtins

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(allocate_many, range(THREADS)))
    allocated = [gtin for batch in results for gtin in batch]
    assert len(allocated) == THREADS * PER_THREAD
    assert len(set(allocated)) == len(allocated)
    with Session(engine) as session:
        stored = session.scalars(
            select(Product.gtin).where(Product.enterprise_id == committed_enterprise)
        ).all()
    assert sorted(stored) == sorted(allocated)
    references = sorted(int(gtin[-5:-1]) for gtin in allocated)
    assert references == list(range(len(allocated))), "no gaps: every number is used once"
