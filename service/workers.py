"""Worker processes for heavy CPU work: a 50,000-event capture, a 40-megapixel photo.

In a thread of the server such work shares the GIL with the event loop: its long C calls
(Pillow's optimised JPEG encoder) and the garbage collections of the objects it builds
stop every request for up to seconds (measured under load). A worker process costs the
server only the wait, in the request's own thread.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import ForkServerContext
from typing import ParamSpec, TypeVar

Params = ParamSpec("Params")
Result = TypeVar("Result")
# The machine's cores: more would only take turns.
WORKER_PROCESSES = 2
WORKER_NICENESS = 10
# Imported once by the forkserver, so that every worker forked from it starts with them:
# otherwise each new worker imports them itself before its first job (1 s of CPU, 3 s and
# more of waiting on a loaded machine). The capture, the photo and the print-run modules,
# and the `truyxuat` command's own module, which every worker runs again as its __main__.
FORKSERVER_PRELOAD = [
    "registry.events.capture_worker",
    "registry.reports.service",
    "labels.output",
    "service.cli",
]


def forkserver_context() -> ForkServerContext:
    """The context of the server's worker pools. forkserver, not fork: a forked child would
    inherit the server's threads' locks and database connections."""
    context = multiprocessing.get_context("forkserver")
    # Read when the forkserver starts, with the first pool's first worker.
    context.set_forkserver_preload(FORKSERVER_PRELOAD)
    return context


class WorkerProcesses:
    """Started on first use; `run` waits for the result (or re-raises the error)."""

    def __init__(self, processes: int = WORKER_PROCESSES) -> None:
        self._processes = processes
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def run(
        self, work: Callable[Params, Result], *args: Params.args, **kwargs: Params.kwargs
    ) -> Result:
        return self._started().submit(work, *args, **kwargs).result()

    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self._processes,
                    mp_context=forkserver_context(),
                    # Lower priority: when the cores are busy, answering requests
                    # comes before finishing a capture or a photo.
                    initializer=os.nice,
                    initargs=(WORKER_NICENESS,),
                )
            return self._pool

    def shutdown(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
