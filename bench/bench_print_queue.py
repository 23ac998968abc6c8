"""Print queue benchmark: how long a 10-label run of enterprise B waits when enterprise A's
large run was queued first, against how long A's run takes (what B would wait behind a
first-come queue), and A's labels/s, in one run on a fresh SQLite database.

    .venv/bin/python bench/bench_print_queue.py [--large 40000] [--slice 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.builders import registered_lot
from registry.actor import SYSTEM
from registry.db import unit_of_work
from registry.migrate import prepare_database
from registry.print_runs.models import LabelRun
from registry.print_runs.service import RunLimits, create_run
from registry.settings import Settings
from service.state import AppState


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--large", type=int, default=40_000)
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--slice", type=int, default=Settings().print_slice_labels)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-print-queue-"))
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    prepare_database(url)
    settings = Settings(
        database_url=url, data_dir=folder, print_slice_labels=args.slice, secret_key="bench"
    )
    state = AppState.from_settings(settings)
    unbounded = RunLimits(max_labels=10**7, max_queued_labels=10**7)
    with unit_of_work(state.write_sessions) as session:
        ids = []
        for count in (args.large, args.small):
            lot = registered_lot(session)
            run = create_run(
                session, actor=SYSTEM, lot=lot, count=count, serialized=True,
                layout="a4-3x7", limits=unbounded,
            )  # fmt: skip
            ids.append(run.id)
    large, small = ids
    jobs = state.print_jobs
    started = time.perf_counter()
    jobs.start(large)
    time.sleep(1.0)  # A's run is rendering when B's arrives
    small_queued = time.perf_counter()
    jobs.start(small)
    jobs.wait(small)
    small_done = time.perf_counter()
    with unit_of_work(state.read_sessions) as session:
        large_progress = session.get_one(LabelRun, large).progress
    jobs.wait(large)
    large_done = time.perf_counter()
    jobs.shutdown()
    state.engine.dispose()
    print(
        json.dumps(
            {
                "large_labels": args.large,
                "small_labels": args.small,
                "slice_labels": args.slice,
                "small_waited_s": round(small_done - small_queued, 2),
                "large_progress_when_small_done": large_progress,
                "large_took_s": round(large_done - started, 2),
                "large_labels_per_s": round(args.large / (large_done - started)),
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "cores": os.cpu_count(),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
