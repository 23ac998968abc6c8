"""Debian's nginx as the load balancer in front of several `truyxuat serve` nodes: a
config file and prefix of the test's own in a temporary folder, a free port on
127.0.0.1, never the system's service or its files."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.faults.harness import free_port

NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx")
# Which node answered: the test counts requests per node by this header.
UPSTREAM_HEADER = "x-upstream"

CONFIG = """\
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream truyxuat {{
{servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 16m;
        location / {{
            proxy_pass http://truyxuat;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


def nginx_binary() -> str | None:
    for candidate in NGINX_CANDIDATES:
        if found := shutil.which(candidate):
            return found
    return None


@dataclass
class Balancer:
    port: int
    prefix: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return (self.prefix / "error.log").read_text(errors="replace")[-3000:]
        return ""


@contextmanager
def nginx_balancer(upstreams: Sequence[str], *, port: int | None = None) -> Iterator[Balancer]:
    """nginx balancing round-robin over `upstreams` ("127.0.0.1:PORT"), stopped and its
    folder removed at the end."""
    binary = nginx_binary()
    assert binary is not None, "nginx is not installed"
    # Not under pytest's tmp_path, private to root: nginx's workers run as another user.
    prefix = Path(tempfile.mkdtemp(prefix="truyxuat-nginx-"))
    prefix.chmod(0o755)
    balancer_port = port or free_port()
    servers = "\n".join(f"        server {upstream};" for upstream in upstreams)
    config = prefix / "nginx.conf"
    config.write_text(CONFIG.format(prefix=prefix, port=balancer_port, servers=servers))
    command = [binary, "-p", str(prefix), "-c", str(config), "-e", str(prefix / "error.log")]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    balancer = Balancer(balancer_port, prefix, process)
    try:
        _wait_until_up(balancer)
        yield balancer
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGQUIT)  # graceful: finish open requests
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        shutil.rmtree(prefix, ignore_errors=True)


def _wait_until_up(balancer: Balancer, within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if balancer.process.poll() is not None:
            stderr = balancer.process.stderr.read().decode() if balancer.process.stderr else ""
            raise AssertionError(f"nginx exited at start-up: {stderr}\n{balancer.log()}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{balancer.url}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise AssertionError(f"nginx not answering within {within} s:\n{balancer.log()}")
