"""Turning a request into a scan record: time, key, verdict, device hash, agent class."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request

from registry.gs1 import DigitalLink
from registry.scans.device import agent_class, device_hash
from registry.scans.recorder import ScanRecord
from registry.settings import Settings


def request_device_hash(request: Request, settings: Settings, *, now: dt.datetime) -> str:
    client_ip = request.client.host if request.client else ""
    return device_hash(
        secret_key=settings.secret_key,
        user_agent=request.headers.get("user-agent", ""),
        client_ip=client_ip,
        day=now.date(),
    )


def scan_record(
    request: Request, settings: Settings, *, link: DigitalLink, verdict: str, now: dt.datetime
) -> ScanRecord:
    qualifiers = dict(link.qualifiers)
    return ScanRecord(
        scanned_at=now,
        gtin=link.primary[1],
        lot=qualifiers.get("10"),
        serial=qualifiers.get("21"),
        verdict=verdict,
        device_hash=request_device_hash(request, settings, now=now),
        agent_class=agent_class(request.headers.get("user-agent", "")).value,
    )
