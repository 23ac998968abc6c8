"""Where a webhook may deliver: an http(s) URL whose host is on the public internet.

A subscriber names the URL and the server calls it, so without a guard an API key could
make the registry reach what only the registry can reach (its database, the cloud's
metadata service, the agency's intranet): server-side request forgery. The host's
addresses are checked when the subscription is made and again, freshly resolved, at each
delivery, which then connects to the address that was checked (a name that resolves
elsewhere the second time cannot slip through). Networks an operator trusts can be
allowed with TRUYXUAT_WEBHOOK_ALLOWED_NETWORKS.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from registry.errors import InvalidInput
from registry.subscriptions.models import DEST_LENGTH

SCHEMES: Final = ("http", "https")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class SubscriptionControlsError(InvalidInput):
    """EPCIS 2.0 §8.2.5: SubscriptionControlsException, a 400 in the REST binding."""

    status = 400
    slug = "epcis-subscription-controls"
    title = "EPCIS subscription controls exception"


def refused(field: str, vi: str, en: str) -> SubscriptionControlsError:
    return SubscriptionControlsError(vi, en, field=field)


@dataclass(frozen=True)
class Destination:
    """A checked webhook URL and the address to connect to."""

    scheme: str
    host: str
    port: int
    target: str
    """Path and query, as sent in the request line."""
    address: str


def allowed_networks(setting: str) -> list[IPNetwork]:
    return [
        ipaddress.ip_network(part.strip(), strict=False)
        for part in setting.split(",")
        if part.strip()
    ]


def _public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _public(address.ipv4_mapped)
    return address.is_global and not address.is_multicast


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise refused(
            "dest",
            f"Không phân giải được máy chủ {host} của dest.",
            f"The dest host {host} cannot be resolved.",
        ) from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
    if not addresses:
        raise refused(
            "dest", f"Máy chủ {host} không có địa chỉ.", f"The host {host} has no address."
        )
    return addresses


def check_destination(url: str, *, allowed: list[IPNetwork]) -> Destination:
    """The URL parsed, its host resolved and every address it has checked; else a 400."""
    if not isinstance(url, str) or not url or len(url) > DEST_LENGTH:
        raise refused(
            "dest",
            f"dest phải là một URL http(s) dài tối đa {DEST_LENGTH} ký tự.",
            f"dest must be an http(s) URL of at most {DEST_LENGTH} characters.",
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise refused("dest", "dest không phải URL hợp lệ.", "dest is not a valid URL.") from exc
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise refused(
            "dest",
            "dest phải là URL http:// hoặc https:// có tên máy chủ.",
            "dest must be an http:// or https:// URL with a host.",
        )
    if parts.username is not None or parts.password is not None or parts.fragment:
        raise refused(
            "dest",
            "dest không được chứa tên đăng nhập, mật khẩu hay phần #.",
            "dest must not carry a user name, a password or a #fragment.",
        )
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise refused(
            "dest", "dest chứa ký tự không được phép.", "dest contains characters not allowed."
        )
    host = parts.hostname
    port = port or (443 if parts.scheme == "https" else 80)
    addresses = _resolve(host, port)
    for address in addresses:
        if not _public(address) and not any(address in network for network in allowed):
            raise refused(
                "dest",
                f"dest trỏ đến địa chỉ nội bộ ({address}); chỉ được gửi đến địa chỉ công khai.",
                f"dest points to an internal address ({address}); only public addresses"
                " may receive deliveries.",
            )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Destination(parts.scheme, host, port, target, str(addresses[0]))
