"""Resolver benchmark: the scan redirect and the consumer page against a bare endpoint.

Runs the real app under uvicorn (a subprocess) on a file SQLite database and on a
PostgreSQL database it creates, loads it with wrk (64 connections), and prints
requests/s and p50/p99 for each, as ratios to a bare FastAPI endpoint measured in
the same run. After a graceful shutdown it checks that every redirect answered was
stored as a scan.

    .venv/bin/python bench/bench_resolver.py [--duration 10] [--connections 64] [--workers 1]
        [--serials 500]

`--serials` sets how many serials of one lot the loads go round: with 500 each is
scanned many times (its rollup cached); with 50,000 most scans are a serial's first,
as on real labels.

With `--workers N` uvicorn runs N processes, each with its own scan buffer; each
reports what it sent and stored when it stops, and the totals are compared.

The load comes from 127.0.0.1, a trusted proxy by default, and each request names one
of CLIENT_NETWORKS client networks in X-Forwarded-For, so the per-network rate limits
and scan counting are measured at work, as behind the reverse proxy, without refusing
the load (each network stays well under its limit).

Needs `wrk` (apt-get install wrk). PostgreSQL: TRUYXUAT_TEST_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres; skipped if it does not answer.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BARE_PATH = "/bench/bare"
COUNT_PATH = "/bench/redirects"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SERIALS = 500
CLIENT_NETWORKS = 2000
WARM_UP_SECONDS = 2


def build():  # type: ignore[no-untyped-def]
    """uvicorn factory: the product app plus a bare endpoint and a redirect counter;
    the app's own lifespan starts and stops the scan recorder, as in production."""
    from fastapi import FastAPI
    from starlette.responses import PlainTextResponse
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from service.app import create_app

    app = create_app()
    redirects = {"count": 0}

    async def bare() -> PlainTextResponse:
        return PlainTextResponse("ok")

    async def counted() -> PlainTextResponse:
        return PlainTextResponse(str(redirects["count"]))

    before = len(app.router.routes)
    app.add_api_route(BARE_PATH, bare)
    app.add_api_route(COUNT_PATH, counted)
    added = app.router.routes[before:]
    del app.router.routes[before:]
    app.router.routes[0:0] = added

    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[None]:
        async with inner(app_):
            yield
        # After the app's own shutdown, which wrote the last buffered scans.
        stored = app_.state.scan_recorder.stored
        print(f"BENCH-SERVER redirects={redirects['count']} stored={stored}", flush=True)

    app.router.lifespan_context = lifespan

    def count_redirects(asgi: ASGIApp) -> ASGIApp:
        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            async def watch(message: Message) -> None:
                if message["type"] == "http.response.start" and message["status"] == 307:
                    redirects["count"] += 1
                await send(message)

            await asgi(scope, receive, watch)

        return wrapped

    return count_redirects(app)


@dataclass
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    answered: int
    errors: int


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, paths: list[str], *, duration: int, connections: int) -> Load:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    quoted = ", ".join(f'"{p}"' for p in paths)
    script.write_text(
        f"local paths = {{{quoted}}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i + 1\n"
        f"  local n = i % {CLIENT_NETWORKS}\n"
        "  local client = '10.' .. math.floor(n / 250) .. '.' .. (n % 250) .. '.7'\n"
        "  return wrk.format('GET', paths[(i % #paths) + 1], "
        "{['Accept'] = 'text/html', ['User-Agent'] = 'Mozilla/5.0 (Linux; Android 14) Mobile', "
        "['X-Forwarded-For'] = client})\n"
        "end\n"
    )
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    script.unlink()
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    return Load(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50_ms=_ms(latency["50"]),
        p99_ms=_ms(latency["99"]),
        answered=int(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
        errors=(int(errors.group(1)) if errors else 0)
        + (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0),
    )


def seed(url: str, serials: int = SERIALS) -> tuple[str, list[str]]:
    """A registered product with one lot and a print run; returns its paths."""
    from bench.builders import registered_lot
    from registry.actor import SYSTEM
    from registry.db import make_engine, make_sessionmaker, unit_of_work
    from registry.migrate import prepare_database
    from registry.print_runs.models import RunStatus
    from registry.print_runs.service import create_run, run_serials

    prepare_database(url)
    engine = make_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        lot = registered_lot(session)
        run = create_run(
            session, actor=SYSTEM, lot=lot, count=serials, serialized=True, layout="a4-3x7"
        )
        run.status = RunStatus.done
        gtin = lot.product.gtin
        paths = [f"/01/{gtin}/10/{lot.code}/21/{serial}" for serial in run_serials(run) or []]
    engine.dispose()
    return gtin, paths


def count_scans(url: str) -> int:
    from sqlalchemy import func, select

    from registry.db import make_engine
    from registry.scans.models import Scan

    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(Scan)) or 0
    engine.dispose()
    return count


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(url: str, *, workers: int) -> Iterator[tuple[str, list[str]]]:
    from service.cli import SERVER_HTTP, SERVER_LOOP

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "TRUYXUAT_DATABASE_URL": url,
        "TRUYXUAT_BASE_URL": base,
        "TRUYXUAT_SECRET_KEY": "bench",
        "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "bench_resolver:build",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--no-proxy-headers",  # as `truyxuat serve`: the app reads them itself
            "--log-level",
            "warning",
            "--workers",
            str(workers),
            "--loop",
            SERVER_LOOP,  # as `truyxuat serve` runs it
            "--http",
            SERVER_HTTP,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    try:
        import httpx

        for _ in range(200):
            try:
                httpx.get(base + BARE_PATH, timeout=0.5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base, lines
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=60)
        lines.extend(out.splitlines())


def bench_database(
    name: str, url: str, *, duration: int, connections: int, workers: int, serials: int
) -> None:
    _gtin, paths = seed(url, serials)
    pages = ["/p" + p for p in paths]
    targets = {"bare": [BARE_PATH], "redirect": paths, "page": pages}
    measured: dict[str, Load] = {}
    warm_ups: dict[str, Load] = {}
    with server(url, workers=workers) as (base, lines):
        for label, target in targets.items():
            # Steady state is measured: each load follows WARM_UP_SECONDS of the same
            # load, which fill the caches it needs (their first seconds are shown apart).
            warm_ups[label] = run_wrk(
                base, target, duration=WARM_UP_SECONDS, connections=connections
            )
            measured[label] = run_wrk(base, target, duration=duration, connections=connections)
    reports = [line for line in lines if line.startswith("BENCH-SERVER")]
    server_redirects = sum(int(re.search(r"redirects=(\d+)", r).group(1)) for r in reports)  # type: ignore[union-attr]
    stored = count_scans(url)
    print(
        f"\n== {name} ({connections} connections, {duration} s each, {workers} worker(s), "
        f"{serials} serials, "
        f"{len(reports)} reported) == {load_average()}"
    )
    print(f"{'':>10} {'req/s':>9} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    bare = measured["bare"]
    for label, load in measured.items():
        ratio = load.requests_per_second / bare.requests_per_second
        print(
            f"{label:>10} {load.requests_per_second:9.0f} {ratio:6.2f} {load.p50_ms:8.1f} "
            f"{load.p99_ms:8.1f} {load.errors:7d}"
        )
    print(
        f"first {WARM_UP_SECONDS} s of each (cold caches, not in the ratios): "
        + "; ".join(
            f"{label} {load.requests_per_second:.0f} req/s p99 {load.p99_ms:.0f} ms"
            for label, load in warm_ups.items()
        )
    )
    answered = measured["redirect"].answered + warm_ups["redirect"].answered
    print(
        f"redirects answered: wrk saw {answered}, server sent {server_redirects}; "
        f"scans stored {stored} -> {'nothing lost' if stored == server_redirects else 'LOST'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--serials", type=int, default=SERIALS)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as folder:
        bench_database(
            "SQLite",
            f"sqlite:///{folder}/bench.sqlite3",
            duration=args.duration,
            connections=args.connections,
            workers=args.workers,
            serials=args.serials,
        )
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(os.environ.get("TRUYXUAT_TEST_DATABASE_URL", DEFAULT_PG))
    try:
        admin = create_engine(
            admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
        name = f"truyxuat_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # no PostgreSQL here: say so and stop
        print(f"\nPostgreSQL skipped: {error!s:.200}")
        return
    try:
        url = admin_url.set(database=name).render_as_string(hide_password=False)
        bench_database(
            "PostgreSQL",
            url,
            duration=args.duration,
            connections=args.connections,
            workers=args.workers,
            serials=args.serials,
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
