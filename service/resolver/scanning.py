"""Turning a request into a scan record: time, key, verdict, device, network, agent class.

A device is the first-party device cookie the resolver sets (DEVICE_COOKIE); a client
that sends none is a new device each time. The network is the client's IPv4 /24 or
IPv6 /48 (service.ratelimit.client_network). The User-Agent only tells people from
machines.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from starlette.requests import Request
from starlette.responses import Response

from registry.gs1 import DigitalLink
from registry.scans.counting import DailyCap
from registry.scans.device import agent_class, code_sources, device_hash, device_identity
from registry.scans.models import AgentClass
from registry.scans.recorder import ScanRecord
from registry.settings import Settings
from service.ratelimit import client_network

DEVICE_COOKIE = "truyxuat_device"
# Browsers keep a cookie at most 400 days (RFC 6265bis §5.5).
DEVICE_COOKIE_SECONDS = 400 * 24 * 3600
_COOKIE_VALUE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_ISSUED = "truyxuat.issued_device_cookie"


def device_cookie(request: Request) -> str | None:
    """The device cookie the request carries, if it is one this app could have set."""
    value = request.cookies.get(DEVICE_COOKIE)
    return value if value and _COOKIE_VALUE.fullmatch(value) else None


def _issued_cookie(request: Request) -> str:
    """The cookie this response gives a phone that came without one: chosen once per
    request, so the scan is counted under the cookie the phone will send next time."""
    state = request.scope.setdefault("state", {})
    issued: str | None = state.get(_ISSUED)
    if issued is None:
        issued = state[_ISSUED] = secrets.token_urlsafe(16)
    return issued


def request_device(request: Request) -> str:
    return device_identity(cookie=device_cookie(request) or _issued_cookie(request))


def request_device_hash(request: Request, settings: Settings, *, now: dt.datetime) -> str:
    return device_hash(
        secret_key=settings.secret_key, device=request_device(request), day=now.date()
    )


def give_device_cookie(request: Request, response: Response, settings: Settings) -> None:
    """A long-lived random first-party cookie for a phone that has none yet."""
    if device_cookie(request) is not None:
        return
    secure = "; Secure" if settings.public_base_url.startswith("https://") else ""
    # What `response.set_cookie` writes with these attributes, without building an
    # http.cookies jar per scan: a token_urlsafe value never needs quoting.
    cookie = (
        f"{DEVICE_COOKIE}={_issued_cookie(request)}; HttpOnly; "
        f"Max-Age={DEVICE_COOKIE_SECONDS}; Path=/; SameSite=lax{secure}"
    )
    response.raw_headers.append((b"set-cookie", cookie.encode("latin-1")))


def counted_scans(request: Request) -> DailyCap:
    cap: DailyCap = request.app.state.counted_scans
    return cap


def scan_record(
    request: Request, settings: Settings, *, link: DigitalLink, verdict: str, now: dt.datetime
) -> ScanRecord:
    qualifiers = dict(link.qualifiers)
    gtin, lot, serial = link.primary[1], qualifiers.get("10"), qualifiers.get("21")
    code = (gtin, lot or "", serial or "")
    device = request_device(request)
    network, device_id = code_sources(
        secret_key=settings.secret_key, code=code, network=client_network(request), device=device
    )
    agent = agent_class(request.headers.get("user-agent", ""))
    if agent.counted and not counted_scans(request).admit(network, now.date()):
        agent = AgentClass.repeat
    return ScanRecord(
        scanned_at=now,
        gtin=gtin,
        lot=lot,
        serial=serial,
        verdict=verdict,
        device_hash=device_hash(secret_key=settings.secret_key, device=device, day=now.date()),
        agent_class=agent.value,
        network=network if serial else "",
        device=device_id if serial else "",
    )
