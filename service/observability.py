"""Request ids, one structured log line per request, and Prometheus metrics.

No client address is logged: the public side keeps no raw IP addresses (DESIGN §8).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
from collections.abc import MutableMapping
from typing import Any

from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "truyxuat_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
LATENCY = Histogram(
    "truyxuat_request_seconds",
    "HTTP request latency",
    ["route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
SCANS_RECORDED = Counter("truyxuat_scans_recorded_total", "Consumer scans written to the database")
SCAN_BUFFER_DEPTH = Gauge(
    "truyxuat_scan_buffer_depth", "Scans waiting in memory to be written", multiprocess_mode="sum"
)
LABEL_JOBS = Counter("truyxuat_label_jobs_total", "Print-run jobs finished", ["outcome"])
EVENT_LOOP_LAG = Histogram(
    "truyxuat_event_loop_lag_seconds",
    "How late the event loop ran a timer: time during which no request could be answered",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
LAG_PROBE_SECONDS = 0.1
# The metric children of each (method, route, status) seen, as `labels()` would find
# them again under its lock on every request. Routes are templates and the HTTP parser
# knows a fixed set of methods, so this stays small; the bound is a safety net.
_REQUEST_CHILDREN: dict[tuple[str, str, int], tuple[Any, Any]] = {}
_MAX_REQUEST_CHILDREN = 10_000


async def watch_event_loop_lag(interval: float = LAG_PROBE_SECONDS) -> None:
    """Sleep `interval` again and again; whatever it wakes late, the loop was blocked."""
    loop = asyncio.get_running_loop()
    while True:
        due = loop.time() + interval
        await asyncio.sleep(interval)
        EVENT_LOOP_LAG.observe(max(0.0, loop.time() - due))


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    key = (method, route, status)
    children = _REQUEST_CHILDREN.get(key)
    if children is None:
        children = REQUESTS.labels(method, route, str(status)), LATENCY.labels(route)
        if len(_REQUEST_CHILDREN) < _MAX_REQUEST_CHILDREN:
            _REQUEST_CHILDREN[key] = children
    requests, latency = children
    requests.inc()
    latency.observe(seconds)


def scans_flushed(written: int, pending: int) -> None:
    """The scan recorder's flush observer (registry.scans.recorder.FlushObserver)."""
    SCANS_RECORDED.inc(written)
    SCAN_BUFFER_DEPTH.set(pending)


def route_template(scope: MutableMapping[str, Any]) -> str:
    """The matched route's path template, so metrics don't explode per GTIN."""
    # FastAPI keeps the full path of a route of an included router in its own scope entry.
    effective = scope.get("fastapi", {}).get("effective_route_context")
    path = getattr(effective, "path_format", None)
    if path is None:
        route = scope.get("route")
        path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(path) if path else "unmatched"


def metrics_payload() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(DEFAULT_REGISTRY)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "at": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(*, json_lines: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
