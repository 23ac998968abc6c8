"""Dashboard latency over millions of scans (rollups) against a naive GROUP BY of raw scans.

    .venv/bin/python bench/bench_stats.py [--scans 5000000] [--backend sqlite|postgresql|both]
        [--keep NAME]

Builds a fresh database per backend (SQLite file; PostgreSQL database created on
postgresql+psycopg://postgres@127.0.0.1:5432 and dropped afterwards), loads enterprises,
products and scans in bulk (COPY on PostgreSQL, executemany on SQLite), feeds every
batch of scans through `registry.stats.rollups.apply_scans` (the function the scan
recorder calls), analyses the tables (and vacuums them on PostgreSQL), then times the
real dashboard page through the app against the GROUP BY queries the same numbers would
need over the raw scan table. Prints ratios, the first page view after the small-table
facts changed (cache miss) and the load average.

Generating 5 million scans takes minutes per backend. With `--keep NAME` the databases are
kept (SQLite file var/NAME.sqlite3; PostgreSQL database NAME) and a later run with the
same `--keep NAME` reuses them, timing only. A kept database does not follow later schema
changes (new indexes): drop it (`rm`, `DROP DATABASE`) to generate it again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url

import registry.models
from registry.accounts.models import Role
from registry.accounts.service import create_api_key
from registry.actor import SYSTEM
from registry.db import make_engine, make_sessionmaker, unit_of_work
from registry.gs1 import gs1_check_digit
from registry.migrate import prepare_database
from registry.places.models import AdminUnit
from registry.population.models import PopulationEntry
from registry.settings import Settings
from registry.stats.facts_cache import FACTS
from registry.stats.models import STATS_TABLES
from registry.stats.rollups import ScanFacts, apply_scans
from registry.vn import mst_check_digit

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
YEAR = 2025
VERDICTS = (
    ["genuine"] * 90
    + ["expired"] * 4
    + ["recalled"] * 2
    + ["not_registered"] * 2
    + ["suspicious_copy"] * 2
)
BATCH = 250_000
SCAN_COLUMNS = (
    "scanned_at",
    "gtin",
    "lot",
    "serial",
    "verdict",
    "device_hash",
    "agent_class",
    "province_code",
    "ward_code",
    "latitude",
    "longitude",
)


def tax_codes(rng: random.Random, count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        nine = "0" + str(rng.randrange(10**8)).zfill(8)
        check = mst_check_digit(nine)
        if check is not None:
            codes.add(nine + check)
    return sorted(codes)


def load_registry(engine: Engine, *, enterprises: int, products: int) -> tuple[list[str], str]:
    rng = random.Random(1)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        wards = list(
            session.scalars(
                select(AdminUnit.code).where(
                    AdminUnit.parent_code == "82", AdminUnit.valid_until.is_(None)
                )
            )
        )
        now = dt.datetime(YEAR, 1, 1, tzinfo=dt.UTC)
        kinds = ["company", "cooperative", "household"]
        sectors = ["Nông sản", "Thủy sản", "Thực phẩm chế biến", "Thủ công mỹ nghệ"]
        codes = tax_codes(rng, enterprises + enterprises // 2)
        enterprise_rows = [
            {
                "id": i + 1,
                "tax_code": codes[i],
                "tax_code_kind": "mst10",
                "legal_name": f"Doanh nghiệp {i}",
                "kind": kinds[i % 3],
                "address": "",
                "ward_code": rng.choice(wards),
                "sector": rng.choice(sectors),
                "status": "verified",
                "created_at": now - dt.timedelta(days=rng.randrange(720)),
                "updated_at": now,
                "verified_at": now - dt.timedelta(days=rng.randrange(300)),
            }
            for i in range(enterprises)
        ]
        session.execute(registry.models.Enterprise.__table__.insert(), enterprise_rows)
        gtins = []
        product_rows = []
        for i in range(products):
            body = f"0893{5000000 + i:08d}"[:13]
            gtin = body + gs1_check_digit(body)
            gtins.append(gtin)
            product_rows.append(
                {
                    "id": i + 1,
                    "enterprise_id": i % enterprises + 1,
                    "gtin": gtin,
                    "name_vi": f"Sản phẩm {i}",
                    "status": "active",
                    "created_at": now - dt.timedelta(days=rng.randrange(500)),
                    "updated_at": now,
                }
            )
        session.execute(registry.models.Product.__table__.insert(), product_rows)
        session.execute(
            PopulationEntry.__table__.insert(),
            [
                {
                    "tax_code": code,
                    "name": f"Cơ sở {n}",
                    "ward_code": rng.choice(wards),
                    "sector": rng.choice(sectors),
                    "kind": kinds[n % 3],
                    "imported_at": now,
                }
                for n, code in enumerate(codes)
            ],
        )
        issued = create_api_key(session, actor=SYSTEM, role=Role.agency)
        session.flush()
        return [*gtins, "08939999999997"], issued.secret


def scan_batches(gtins: list[str], total: int, wards: list[str]) -> Iterator[list[tuple]]:
    """Scans in time order over one year, as the recorder would write them."""
    rng = random.Random(2)
    start = dt.datetime(YEAR, 1, 1, tzinfo=dt.UTC) - dt.timedelta(hours=7)
    step = 365 * 86400 / total
    # A few products are scanned far more often than the rest, as in life.
    popular = gtins[:200]
    for offset in range(0, total, BATCH):
        rows = []
        for index in range(offset, min(offset + BATCH, total)):
            gtin = rng.choice(popular) if rng.random() < 0.2 else rng.choice(gtins)
            shared = rng.random() < 0.3
            rows.append(
                (
                    start + dt.timedelta(seconds=index * step),
                    gtin,
                    None,
                    None,
                    rng.choice(VERDICTS),
                    f"{rng.getrandbits(128):032x}",
                    "bot" if rng.random() < 0.05 else "mobile",
                    "82" if shared else None,
                    rng.choice(wards) if shared else None,
                    None,
                    None,
                )
            )
        yield rows


def load_scans(engine: Engine, gtins: list[str], total: int) -> float:
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        wards = list(session.scalars(select(AdminUnit.code).where(AdminUnit.parent_code == "82")))
    began = time.perf_counter()
    loaded = 0
    for rows in scan_batches(gtins, total, wards):
        with unit_of_work(factory) as session:
            connection = session.connection()
            if engine.dialect.name == "postgresql":
                raw = connection.connection.driver_connection
                with (
                    raw.cursor() as cursor,
                    cursor.copy(  # type: ignore[union-attr]
                        f"COPY scan ({', '.join(SCAN_COLUMNS)}) FROM STDIN"
                    ) as copy,
                ):
                    for row in rows:
                        copy.write_row(row)
            else:
                # SQLAlchemy's own SQLite DATETIME text form (UTC, zone dropped).
                raw = connection.connection.driver_connection
                raw.executemany(  # type: ignore[union-attr]
                    f"INSERT INTO scan ({', '.join(SCAN_COLUMNS)}) VALUES "
                    f"({', '.join('?' * len(SCAN_COLUMNS))})",
                    [(r[0].strftime("%Y-%m-%d %H:%M:%S.%f"), *r[1:]) for r in rows],
                )
            apply_scans(session, [ScanFacts(r[0], r[1], r[4], r[6], r[7], r[8]) for r in rows])
        loaded += len(rows)
        print(f"  {loaded:>10,} scans ({time.perf_counter() - began:5.0f} s)", end="\r", flush=True)
    print()
    return time.perf_counter() - began


def timed(call: Callable[[], object], repeat: int, *, warm_up: bool = True) -> list[float]:
    if warm_up:
        call()
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        samples.append(time.perf_counter() - began)
    return samples


NAIVE_QUERIES = [
    # What the dashboard's scan numbers would cost straight from the scan table.
    "SELECT verdict, count(*) FROM scan WHERE scanned_at >= :a AND scanned_at < :b "
    "AND agent_class != 'bot' GROUP BY verdict",
    "SELECT province_code, ward_code, count(*) FROM scan WHERE scanned_at >= :a "
    "AND scanned_at < :b AND agent_class != 'bot' GROUP BY province_code, ward_code",
    "SELECT gtin, count(*) AS n FROM scan WHERE scanned_at >= :a AND scanned_at < :b "
    "AND agent_class != 'bot' GROUP BY gtin ORDER BY n DESC LIMIT 20",
    "SELECT p.enterprise_id, count(*) FROM scan s JOIN product p ON p.gtin = s.gtin "
    "WHERE s.scanned_at >= :a AND s.scanned_at < :b AND s.agent_class != 'bot' "
    "GROUP BY p.enterprise_id",
]


def run_backend(url: str, args: argparse.Namespace, *, reuse: bool = False) -> None:
    from service.app import create_app
    from service.pages.agency import router as agency_router

    print(
        f"== {make_url(url).get_backend_name()}: {args.scans:,} scans, {args.products:,} "
        f"products, {args.enterprises:,} enterprises"
    )
    began = time.perf_counter()
    engine = make_engine(url)
    if reuse:
        with unit_of_work(make_sessionmaker(engine)) as session:
            secret = create_api_key(session, actor=SYSTEM, role=Role.agency).secret
        scan_seconds = 0.0
    else:
        prepare_database(url)
        gtins, secret = load_registry(engine, enterprises=args.enterprises, products=args.products)
        scan_seconds = load_scans(engine, gtins, args.scans)
        # On PostgreSQL also what autovacuum does after such a load (it may be off, as on
        # the development server): the rollup upserts leave several dead rows per live one.
        maintenance = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(maintenance))
    rollup_rows = {}
    with engine.connect() as connection:
        for table in STATS_TABLES:
            rollup_rows[table.name] = connection.execute(
                select(text("count(*)")).select_from(table)
            ).scalar_one()
    rollup_counts = ", ".join(f"{k}={v:,}" for k, v in rollup_rows.items())
    if reuse:
        print(f"reusing the kept database; rollup rows {rollup_counts}")
    else:
        print(
            f"generation: {time.perf_counter() - began:.0f} s in all, of which scans + "
            f"rollups {scan_seconds:.0f} s ({args.scans / scan_seconds:,.0f} scans/s); "
            f"rollup rows {rollup_counts}"
        )

    settings = Settings(database_url=url, secret_key="bench", base_url="http://bench")
    app = create_app(settings)
    app.include_router(agency_router)
    app.router.routes.insert(0, app.router.routes.pop())
    headers = {"Authorization": f"Bearer {secret}", "accept": "text/html"}
    results = {}
    cold = {}
    with TestClient(app) as client:
        for period in ("2025-Q4", "2025"):

            def page(period: str = period) -> None:
                response = client.get(f"/agency/?period={period}", headers=headers)
                assert response.status_code == 200, response.text[:500]

            def cold_page(page: Callable[[], None] = page) -> None:
                # As after any change to enterprises, products or the register.
                FACTS.clear()
                page()

            results[period] = timed(page, args.repeat)
            cold[period] = timed(cold_page, max(3, args.repeat // 3), warm_up=False)
    a = dt.datetime(YEAR, 10, 1, tzinfo=dt.UTC) - dt.timedelta(hours=7)
    b = dt.datetime(YEAR + 1, 1, 1, tzinfo=dt.UTC) - dt.timedelta(hours=7)
    year_a = dt.datetime(YEAR, 1, 1, tzinfo=dt.UTC) - dt.timedelta(hours=7)

    def naive(start: dt.datetime) -> Callable[[], None]:
        def run() -> None:
            with engine.connect() as connection:
                for query in NAIVE_QUERIES:
                    connection.execute(text(query), {"a": start, "b": b}).all()

        return run

    # No warm-up run: the naive queries read the whole scan table each time anyway.
    naive_quarter = timed(naive(a), args.naive_repeat, warm_up=False)
    naive_year = timed(naive(year_a), args.naive_repeat, warm_up=False)
    for label, period in (("quarter 2025-Q4", "2025-Q4"), ("year 2025", "2025")):
        page_samples, naive_samples = results[period], naive_quarter
        if period == "2025":
            naive_samples = naive_year
        page_p50 = statistics.median(page_samples) * 1000
        cold_p50 = statistics.median(cold[period]) * 1000
        naive_p50 = statistics.median(naive_samples) * 1000
        print(
            f"{label}: dashboard page p50 {page_p50:7.1f} ms "
            f"(p90 {sorted(page_samples)[int(len(page_samples) * 0.9) - 1] * 1000:.1f}; "
            f"after a change p50 {cold_p50:.1f}) | "
            f"naive GROUP BY p50 {naive_p50:8.1f} ms | naive/dashboard {naive_p50 / page_p50:5.1f}x"
        )
    print("load average (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=5_000_000)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--enterprises", type=int, default=3_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--naive-repeat", type=int, default=3)
    parser.add_argument(
        "--keep",
        metavar="NAME",
        help="keep the generated databases under NAME, or reuse them if they exist",
    )
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        run_sqlite(args)
    if args.backend in ("postgresql", "both"):
        run_postgresql(args)


def run_sqlite(args: argparse.Namespace) -> None:
    if args.keep:
        path = Path(__file__).resolve().parents[1] / "var" / f"{args.keep}.sqlite3"
        path.parent.mkdir(exist_ok=True)
        run_backend(f"sqlite:///{path}", args, reuse=path.exists())
        return
    with tempfile.TemporaryDirectory() as folder:
        run_backend(f"sqlite:///{folder}/bench.sqlite3", args)


def run_postgresql(args: argparse.Namespace) -> None:
    server = make_url(PG_SERVER)
    name = args.keep or f"truyxuat_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        run_backend(url, args, reuse=exists is not None)
    finally:
        if not args.keep:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
