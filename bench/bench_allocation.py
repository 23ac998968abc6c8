"""GTIN allocations per second with 8 concurrent workers, on PostgreSQL and SQLite.

Each allocation is a whole unit of work, as a request would be: allocate the next
GTIN from the prefix counter and insert the product, then commit. Reported as
allocations/s per database and per worker count, measured in one run.

    .venv/bin/python bench/bench_allocation.py [--per-worker 250]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, text

from registry.actor import SYSTEM
from registry.db import make_engine, make_sessionmaker, unit_of_work
from registry.enterprises.models import Enterprise, EnterpriseKind
from registry.enterprises.service import EnterpriseDetails, register_enterprise
from registry.migrate import prepare_database
from registry.prefixes.service import record_granted_prefix
from registry.products.service import ProductDetails, create_product

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _seed(url: str) -> int:
    sessions = make_sessionmaker(make_engine(url))
    with unit_of_work(sessions) as session:
        enterprise = register_enterprise(
            session,
            actor=SYSTEM,
            tax_code="1203456784",
            details=EnterpriseDetails(legal_name="HTX Bench", kind=EnterpriseKind.cooperative),
        )
        # 7-digit prefix: 100,000 GTINs, more than any run here allocates.
        record_granted_prefix(session, actor=SYSTEM, enterprise=enterprise, prefix="8934999")
        return enterprise.id


def _run(url: str, enterprise_id: int, workers: int, per_worker: int) -> float:
    engine = (
        make_engine(url, pool_size=workers) if url.startswith("postgresql") else make_engine(url)
    )
    sessions = make_sessionmaker(engine)

    def worker(_: int) -> None:
        for _ in range(per_worker):
            with unit_of_work(sessions) as session:
                enterprise = session.get_one(Enterprise, enterprise_id)
                create_product(
                    session,
                    actor=SYSTEM,
                    enterprise=enterprise,
                    details=ProductDetails(name_vi="Sản phẩm"),
                )

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(worker, range(workers)))
    elapsed = time.perf_counter() - started
    engine.dispose()
    return workers * per_worker / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-worker", type=int, default=250)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        prepare_database(sqlite_url)
        enterprise_id = _seed(sqlite_url)
        for workers in (1, 8):
            results.append(
                ("sqlite", workers, _run(sqlite_url, enterprise_id, workers, args.per_worker))
            )
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    name = f"bench_alloc_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        pg_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        prepare_database(pg_url)
        enterprise_id = _seed(pg_url)
        for workers in (1, 8):
            results.append(
                ("postgresql", workers, _run(pg_url, enterprise_id, workers, args.per_worker))
            )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"{'database':<12}{'workers':>8}{'allocations/s':>16}")
    for database, workers, rate in results:
        print(f"{database:<12}{workers:>8}{rate:>16.0f}")


if __name__ == "__main__":
    main()
