"""Resolver CPU benchmark: CPU microseconds per request for the scan redirect and the
consumer page, against a bare endpoint, through the real app in this process.

The wall-clock benchmark (bench_resolver.py) needs a quiet machine; this one counts
the serving process's CPU time (`time.process_time`, every thread: the handlers, the
database threads, the scan buffer) while it sends requests straight to the ASGI app as
uvicorn would hand them over, so waiting for a busy machine's cores is not counted. The
app is the one bench_resolver.py serves (its `build`: the product app plus a bare
endpoint), on the same data (its `seed`); scans are written by the writer process, as
when served, whose CPU time per redirect is shown apart (writer/redirect). Each round
sends `--requests` of each kind, `--concurrency` at a time, and waits until its scans
are written; the median of the rounds is printed, with the SQL statements this process
sent per request (the resolver's reads and its caches' background refreshes). A busy
machine still slows every instruction a little (shared caches): compare checkouts within
one run, not figures across runs.

`--serials` sets how many serials of the lot there are: each round goes on to the next
ones, its redirects from the first and its pages from the middle; with 50,000, most scans
are a serial's first, as on real labels, and each page is that of a serial never scanned.

    .venv/bin/python bench/bench_resolver_cpu.py [--database sqlite|postgresql|both]
        [--rounds 7] [--requests 2000] [--concurrency 64] [--serials 500]

`--compare DIR [DIR ...]` runs the same rounds against the code in other checkouts of
the project (a `git worktree` at an older commit, say), each in a process of its own,
taking turns round by round, so all see the same load on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
KINDS = ("bare", "redirect", "page")
EXPECTED_STATUS = {"bare": 200, "redirect": 307, "page": 200}
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CLIENT_NETWORKS = 2000

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


class Served:
    """The app with its lifespan started, driven by raw ASGI calls."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outgoing: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.state: dict[str, Any] = {}
        self.task: asyncio.Task[None] | None = None
        self.sent = 0

    def recorder(self) -> Any:
        """The app's scan recorder (the FastAPI app inside bench_resolver's wrapper)."""
        for cell in getattr(self.app, "__closure__", None) or ():
            state = getattr(cell.cell_contents, "state", None)
            if state is not None and hasattr(state, "scan_recorder"):
                return state.scan_recorder
        return None

    async def start(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self.state}
        self.task = asyncio.create_task(
            self.app(scope, self.incoming.get, self.outgoing.put)  # type: ignore[arg-type]
        )
        await self.incoming.put({"type": "lifespan.startup"})
        answer = await self.outgoing.get()
        assert answer["type"] == "lifespan.startup.complete", answer

    async def stop(self) -> None:
        await self.incoming.put({"type": "lifespan.shutdown"})
        answer = await self.outgoing.get()
        assert answer["type"] == "lifespan.shutdown.complete", answer
        assert self.task is not None
        await self.task

    async def get(self, path: str) -> int:
        """One GET as uvicorn hands it to the app; returns the status."""
        self.sent += 1
        n = self.sent % CLIENT_NETWORKS
        client = f"10.{n // 250}.{n % 250}.7"
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "server": ("127.0.0.1", 8000),
            "client": ("127.0.0.1", 40000 + n),
            "scheme": "http",
            "method": "GET",
            "root_path": "",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [
                (b"host", b"127.0.0.1:8000"),
                (b"accept", b"text/html"),
                (b"user-agent", b"Mozilla/5.0 (Linux; Android 14) Mobile"),
                (b"x-forwarded-for", client.encode()),
            ],
            "state": dict(self.state),
        }
        status = 0

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await self.app(scope, receive, send)
        return status


async def _send_all(served: Served, kind: str, paths: list[str], concurrency: int) -> None:
    for start in range(0, len(paths), concurrency):
        statuses = await asyncio.gather(
            *(served.get(p) for p in paths[start : start + concurrency])
        )
        wrong = [s for s in statuses if s != EXPECTED_STATUS[kind]]
        if wrong:
            raise SystemExit(f"{kind}: answered {wrong[:5]}, expected {EXPECTED_STATUS[kind]}")


def _paths(kind: str, scan_paths: list[str], requests: int, start: int) -> list[str]:
    """This round's paths: the serials after the last round's, so with many serials
    most scans are a serial's first. Pages start half way round the serials: with many,
    each is the page of a serial never scanned before."""
    if kind == "bare":
        return ["/bench/bare"] * requests
    if kind == "page":
        start += len(scan_paths) // 2
    prefix = "/p" if kind == "page" else ""
    return [prefix + scan_paths[(start + i) % len(scan_paths)] for i in range(requests)]


def _children_cpu_seconds() -> float:
    """CPU time of this process's live children (the scan writer), from /proc."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():  # the parent's id
            total += int(fields[11]) + int(fields[12])  # user and system time, in ticks
    return total / os.sysconf("SC_CLK_TCK")


async def _drained(served: Served) -> None:
    """Until every scan answered so far is written."""
    recorder = served.recorder()
    while recorder is not None and recorder.pending_count():
        await asyncio.sleep(0.02)


class _Statements:
    """SQL statements this process sends (the request threads' reads and the cache
    refresher's; the writer process's are its own)."""

    def __init__(self) -> None:
        from sqlalchemy import Engine, event

        self.count = 0
        event.listen(Engine, "before_cursor_execute", self._counted)

    def _counted(self, *_args: Any) -> None:
        self.count += 1


async def _measure(
    served: Served,
    scan_paths: list[str],
    requests: int,
    concurrency: int,
    statements: _Statements,
    start: int,
) -> dict:
    figures: dict[str, float] = {}
    for kind in KINDS:
        paths = _paths(kind, scan_paths, requests, start)
        await _drained(served)
        started, writer_started = time.process_time(), _children_cpu_seconds()
        sent = statements.count
        await _send_all(served, kind, paths, concurrency)
        # The round's own scans written before it ends, by this process and the writer.
        await _drained(served)
        figures[kind] = (time.process_time() - started) / requests * 1e6
        figures[f"{kind} writer"] = (_children_cpu_seconds() - writer_started) / requests * 1e6
        figures[f"{kind} queries"] = (statements.count - sent) / requests
    return figures


@contextmanager
def _database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.sqlite3"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(os.environ.get("TRUYXUAT_TEST_DATABASE_URL", DEFAULT_PG))
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"truyxuat_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def serve(root: Path, database: str, requests: int, concurrency: int, serials: int) -> None:
    """The measuring process: answers one line of JSON per `round` read on stdin."""
    sys.path[:0] = [str(root), str(root / "bench")]
    with _database(database) as url:
        os.environ.update(
            TRUYXUAT_DATABASE_URL=url,
            TRUYXUAT_BASE_URL="http://127.0.0.1:8000",
            TRUYXUAT_SECRET_KEY="bench",
        )
        import bench_resolver  # the checkout's own: its app and its data

        _gtin, scan_paths = bench_resolver.seed(url, serials)
        statements = _Statements()

        async def main() -> None:
            served = Served(bench_resolver.build())
            await served.start()
            # Warm the caches and the code paths before anything is counted.
            await _measure(served, scan_paths, requests, concurrency, statements, 0)
            print("ready", flush=True)
            for n, line in enumerate(sys.stdin, start=1):
                if line.strip() != "round":
                    break
                figures = await _measure(
                    served, scan_paths, requests, concurrency, statements, n * requests
                )
                print(json.dumps(figures), flush=True)
            await served.stop()

        asyncio.run(main())


class Child:
    def __init__(self, root: Path, args: argparse.Namespace, database: str) -> None:
        self.root = root
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--serve",
                str(root),
                "--database",
                database,
                "--requests",
                str(args.requests),
                "--concurrency",
                str(args.concurrency),
                "--serials",
                str(args.serials),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=root,
        )
        self.rounds: list[dict[str, float]] = []
        self._expect("ready")

    def _expect(self, word: str) -> str:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith(word) or (word == "{" and line.startswith("{")):
                return line
        raise SystemExit(f"{self.root}: the measuring process ended ({self.process.wait()})")

    def round(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("round\n")
        self.process.stdin.flush()
        self.rounds.append(json.loads(self._expect("{")))

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=120)

    def median(self, kind: str) -> float:
        return statistics.median(r[kind] for r in self.rounds)


def compare(args: argparse.Namespace, database: str) -> None:
    roots = [HERE.parent, *(Path(other).resolve() for other in args.compare)]
    children = [Child(root, args, database) for root in roots]
    try:
        for _ in range(args.rounds):
            for child in children:
                child.round()
    finally:
        for child in children:
            child.close()
    one, five, fifteen = os.getloadavg()
    print(
        f"\n== {database}: CPU µs per request, median of {args.rounds} rounds of "
        f"{args.requests}, {args.concurrency} at a time, {args.serials} serials == "
        f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"
    )
    print(
        f"{'checkout':<40} {'bare':>7} {'redirect':>9} {'page':>7} {'redir/bare':>11} "
        f"{'writer/redirect':>16} {'queries/redirect':>17} {'queries/page':>13}"
    )
    for child in children:
        bare, redirect, page, writer, redirect_queries, page_queries = (
            child.median(k)
            for k in (
                "bare",
                "redirect",
                "page",
                "redirect writer",
                "redirect queries",
                "page queries",
            )
        )
        print(
            f"{child.root!s:<40} {bare:7.0f} {redirect:9.0f} {page:7.0f} "
            f"{redirect / bare:11.2f} {writer:16.0f} {redirect_queries:17.2f} {page_queries:13.2f}"
        )
        spread = ", ".join(f"{r['redirect']:.0f}" for r in child.rounds)
        print(f"{'':<40} redirect rounds: {spread}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--serials",
        type=int,
        default=500,
        help="serials of the lot the rounds go through (50000: most scans are a first)",
    )
    parser.add_argument(
        "--compare",
        metavar="DIR",
        nargs="*",
        default=[],
        help="other checkouts to measure alongside",
    )
    parser.add_argument("--serve", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve), args.database, args.requests, args.concurrency, args.serials)
        return
    for database in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
        compare(args, database)


if __name__ == "__main__":
    main()
