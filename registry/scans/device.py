"""Who scanned, without knowing who: a daily device hash and a user-agent class."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import ipaddress
import re

from registry.fast_hmac import hmac_sha256
from registry.scans.models import AgentClass, SourceKind

_BOT = re.compile(
    r"bot|crawl|spider|slurp|preview|fetch|curl|wget|python|httpx|okhttp|java/|go-http|"
    r"headless|lighthouse|monitor|scanner|facebookexternalhit|zalo.*link",
    re.IGNORECASE,
)
_MOBILE = re.compile(r"mobi|android|iphone|ipad|ipod|zalo|fban|fbav", re.IGNORECASE)


# Every scan of the day needs the same salt: compute it once per day and key.
@functools.lru_cache(maxsize=8)
def daily_salt(secret_key: str, day: dt.date) -> bytes:
    """A salt that changes at midnight UTC and cannot be recomputed without the secret."""
    return hmac.new(
        secret_key.encode(), f"scan-device:{day.isoformat()}".encode(), hashlib.sha256
    ).digest()


def device_hash(*, secret_key: str, device: str, day: dt.date) -> str:
    """Same device, same day → same hash; across days, or without the secret, unlinkable.
    `device` comes from the device cookie (`device_identity`), never from the
    User-Agent, which any client can change at will."""
    return hmac_sha256(daily_salt(secret_key, day), device.encode()).hex()[:32]


def device_identity(*, cookie: str) -> str:
    return f"cookie:{cookie}"


@functools.lru_cache(maxsize=8)
def _source_key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"scan-source", hashlib.sha256).digest()


def source_id(*, secret_key: str, code: tuple[str, str, str], identity: str) -> str:
    """A network's or device's id for one code (GTIN, lot, serial): stable across days,
    so distinct ones can be counted over a window, and unrelated across codes."""
    material = "\x1f".join((*code, identity)).encode()
    return hashlib.blake2b(material, key=_source_key(secret_key), digest_size=16).hexdigest()


def code_sources(
    *, secret_key: str, code: tuple[str, str, str], network: str, device: str
) -> tuple[str, str]:
    """The ids, for one code, of the network (an IPv4 /24 or IPv6 /48) and the device
    identity that scanned it: what the daily cap and the suspicious-copy rule count."""
    return (
        source_id(
            secret_key=secret_key, code=code, identity=f"{SourceKind.network}/network:{network}"
        ),
        source_id(secret_key=secret_key, code=code, identity=f"{SourceKind.device}/{device}"),
    )


# Homes, shops and mobile carriers hand out addresses from these blocks: every
# phone behind one NAT, or one home router, falls in one network.
IPV4_NETWORK_BITS = 24
IPV6_NETWORK_BITS = 48


# A busy resolver sees the same few thousand addresses again and again.
@functools.lru_cache(maxsize=65536)
def network_of(address: str) -> str:
    """The IPv4 /24 or IPv6 /48 an address belongs to; anything that is not an
    address (a Unix socket, a test client) stands for itself."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    bits = IPV4_NETWORK_BITS if ip.version == 4 else IPV6_NETWORK_BITS
    return str(ipaddress.ip_network((ip, bits), strict=False))


# Phones of one model and browser send the same string: few distinct values.
@functools.lru_cache(maxsize=4096)
def agent_class(user_agent: str) -> AgentClass:
    if not user_agent or _BOT.search(user_agent):
        return AgentClass.bot
    if _MOBILE.search(user_agent):
        return AgentClass.mobile
    return AgentClass.desktop


def coarse_coordinate(value: float) -> float:
    """A latitude or longitude rounded to 0.1°."""
    return round(round(value * 10) / 10, 1)
