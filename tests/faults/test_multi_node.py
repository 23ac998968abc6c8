"""Scale-out as docs/deployment.md describes it: two `truyxuat serve` nodes on one
PostgreSQL database behind nginx. Every scan sent through the balancer is stored,
whichever node took it; a recall made through one node shows on both within the
resolver cache's lifetime."""

from __future__ import annotations

import collections
import math
import re
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text

from registry.db import make_engine
from registry.lots.models import Lot
from registry.resolution.cache import DEFAULT_TTL_SECONDS
from service import demo as demo_data
from tests.databases import Databases
from tests.faults.balancer import UPSTREAM_HEADER, nginx_balancer, nginx_binary
from tests.faults.harness import (
    GRACEFUL_TIMEOUT_SECONDS,
    Server,
    demo_database,
    free_port,
    lift_network_limits,
    postgres_unavailable_reason,
    start_together,
    terminate_together,
)

SCANS = 600
CLIENTS = 4
# A cached read is never served older than this (registry.resolution.cache).
CACHE_LIFETIME = DEFAULT_TTL_SECONDS
POLL_SECONDS = 0.05
# Pages asked of each node once the cache lifetime has passed since the recall: all must
# show it (instead of asking for a second and a half, however many pages that was).
POLLS_AFTER_LIFETIME = 10
WATCH_SECONDS = 60.0
STARTUP_SECONDS = 120.0
PHONE = {"user-agent": "Mozilla/5.0 (Linux; Android 14) multi-node-test"}
PAGE = {**PHONE, "accept": "text/html", "accept-language": "en"}
RECALL_HEADLINE = "This product is being recalled"


def _skip_reason() -> str | None:
    if nginx_binary() is None:
        return "nginx is not installed (Debian: apt-get install nginx-light)"
    return postgres_unavailable_reason()


def _serials_stored(database_url: str, prefix: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT serial FROM scan WHERE serial LIKE :prefix"), {"prefix": f"{prefix}%"}
            )
            return {serial for (serial,) in rows}
    finally:
        engine.dispose()


def _scan_through(balancer_url: str, path: str, serials: list[str]) -> dict[str, str]:
    """GET every serial's Digital Link through the balancer; the node that acknowledged
    each (307), by serial."""
    taken: dict[str, str] = {}
    lock = threading.Lock()

    def send(batch: list[str]) -> None:
        with httpx.Client(base_url=balancer_url, headers=PHONE, timeout=10) as client:
            for serial in batch:
                answer = client.get(f"{path}/21/{serial}", follow_redirects=False)
                assert answer.status_code == 307, (serial, answer.status_code, answer.text[:300])
                with lock:
                    taken[serial] = answer.headers[UPSTREAM_HEADER]

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(send, [serials[i::CLIENTS] for i in range(CLIENTS)]))
    return taken


def _shows_recall(client: httpx.Client, node_url: str, base_url: str, path: str) -> bool:
    """The consumer page a phone reaches from this node (its redirect followed on the
    same node) says the product is recalled."""
    answer = client.get(f"{node_url}{path}", headers=PAGE, follow_redirects=False)
    if answer.status_code == 307:
        location = answer.headers["location"]
        if not location.startswith(base_url):
            return False  # off to the producer's own site: no warning to show
        answer = client.get(node_url + location.removeprefix(base_url), headers=PAGE)
    assert answer.status_code == 200, answer.text[:300]
    return RECALL_HEADLINE in answer.text


class _Watcher(threading.Thread):
    """Asks one node for the consumer page, again and again, until it has asked
    POLLS_AFTER_LIFETIME times since `settled_at` (or WATCH_SECONDS have passed)."""

    def __init__(self, node_url: str, base_url: str, path: str) -> None:
        super().__init__(daemon=True)
        self.target = (node_url, base_url, path)
        self.seen: list[tuple[float, bool]] = []  # (monotonic time sent, recall shown)
        self.settled_at = math.inf
        self.error: BaseException | None = None

    def run(self) -> None:
        node_url, base_url, path = self.target
        deadline = time.monotonic() + WATCH_SECONDS
        try:
            with httpx.Client(timeout=10) as client:
                while self._asked_since_settled() < POLLS_AFTER_LIFETIME:
                    sent = time.monotonic()
                    if sent > deadline:
                        return
                    self.seen.append((sent, _shows_recall(client, node_url, base_url, path)))
                    time.sleep(POLL_SECONDS)
        except BaseException as error:  # reported by the test, not lost in the thread
            self.error = error

    def _asked_since_settled(self) -> int:
        return sum(1 for sent, _ in self.seen if sent >= self.settled_at)

    def wait_for(self, polls: int, within: float = 30.0) -> None:
        deadline = time.monotonic() + within
        while len(self.seen) < polls and self.error is None and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
        assert len(self.seen) >= polls, self.error


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


@pytest.mark.postgres
@pytest.mark.slow
def test_two_nodes_behind_nginx_store_every_scan_and_share_a_recall(
    databases: Databases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if reason := _skip_reason():
        pytest.skip(reason)
    lift_network_limits(monkeypatch)
    with demo_database(databases, "postgresql") as (database_url, demo):
        engine = make_engine(database_url)
        with engine.connect() as connection:
            product_id = connection.scalar(select(Lot.product_id).where(Lot.id == demo.lot_id))
        engine.dispose()
        balancer_port = free_port()
        base_url = f"http://127.0.0.1:{balancer_port}"
        secret = secrets.token_urlsafe(32)
        nodes = [
            Server(database_url, tmp_path / name, base_url=base_url, secret_key=secret)
            for name in ("node-a", "node-b")
        ]
        path = f"/01/{demo.gtin}/10/{demo.lot}"
        try:
            # Generous: the test machine may be busy with other test runs.
            start_together(nodes, ready_within=STARTUP_SECONDS)
            upstreams = [f"127.0.0.1:{node.port}" for node in nodes]
            with nginx_balancer(upstreams, port=balancer_port) as balancer:
                prefix = f"MN{secrets.token_hex(3).upper()}"
                serials = [f"{prefix}{n:05d}" for n in range(SCANS)]
                taken = _scan_through(balancer.url, path, serials)

                # A session made on one node is good on the other: one shared secret.
                staff = httpx.Client(base_url=balancer.url, timeout=10)
                login = staff.post(
                    "/api/v1/auth/login",
                    json={"email": demo_data.AGENCY_EMAIL, "password": demo_data.DEMO_PASSWORD},
                )
                assert login.status_code == 200, login.text
                node_a = nodes[0]
                form = staff.get(
                    f"{node_a.url}/agency/recalls?gtin={demo.gtin}", headers={"accept": "text/html"}
                )
                assert form.status_code == 200, form.text[:300]
                # Both nodes keep asking from before the recall: their caches are warm.
                watchers = [_Watcher(node.url, base_url, path) for node in nodes]
                for watcher in watchers:
                    watcher.start()
                for watcher in watchers:
                    watcher.wait_for(polls=5)
                posted_at = time.monotonic()
                recall = staff.post(
                    f"{node_a.url}/agency/recalls",
                    headers={"accept": "text/html", "origin": base_url},
                    follow_redirects=False,
                    data={
                        "csrf_token": _csrf(form.text),
                        "decision": "confirm",  # reviewed: the propagation is under test
                        "product_id": str(product_id),
                        "scope": "lots",
                        "lot_ids": [str(demo.lot_id)],
                        "reason_vi": "Kiểm tra nhiều máy chủ",
                        "reason_en": "Multi-node check",
                        "notice_vi": "Ngừng sử dụng lô này.",
                        "notice_en": "Stop using this lot.",
                    },
                )
                recalled_at = time.monotonic()
                staff.close()
                assert recall.status_code == 303, recall.text[:300]
                for watcher in watchers:
                    watcher.settled_at = recalled_at + CACHE_LIFETIME
                for watcher in watchers:
                    watcher.join(timeout=60)
                    assert watcher.error is None, watcher.error
        finally:
            running = [node for node in nodes if node.process and node.process.poll() is None]
            stopped = terminate_together(running, within=GRACEFUL_TIMEOUT_SECONDS + 10)
            codes = [code for code, _ in stopped]
        stored = _serials_stored(database_url, prefix)

    names = {f"127.0.0.1:{node.port}": name for node, name in zip(nodes, "AB", strict=True)}
    per_node = collections.Counter(names[taken[serial]] for serial in serials)
    stored_per_node = collections.Counter(names[taken[serial]] for serial in stored)
    # When the last answer without the recall was asked for, after the recall was made.
    stale_until = [
        max(
            (sent - recalled_at for sent, shown in w.seen if sent >= posted_at and not shown),
            default=0.0,
        )
        for w in watchers
    ]
    report = (
        f"scans sent through nginx: {len(serials)}; acknowledged per node {dict(per_node)}; "
        f"stored per node {dict(stored_per_node)}, stored in all {len(stored)}; "
        f"recall made through node A; the last page without it was asked of node A "
        f"{stale_until[0]:.2f} s, of node B {stale_until[1]:.2f} s after it (cache lifetime "
        f"{CACHE_LIFETIME} s; {[len(w.seen) for w in watchers]} pages asked); "
        f"server exits {codes}"
    )
    print(report)
    assert len(per_node) == 2 and min(per_node.values()) > 0, report
    assert stored == set(serials), report
    for watcher in watchers:
        before = [shown for sent, shown in watcher.seen if sent < posted_at]
        after = [shown for sent, shown in watcher.seen if sent >= recalled_at + CACHE_LIFETIME]
        assert before and not any(before), report
        # Every page asked for once the lifetime has passed shows the recall.
        assert after and all(after), report
