"""registry.fast_hmac gives the bytes of the standard library's HMAC-SHA-256, so serials
printed and device hashes stored before it still match."""

from __future__ import annotations

import datetime as dt
import hmac

import pytest

from registry.fast_hmac import hmac_sha256
from registry.print_runs.serials import is_authentic, make_serial
from registry.scans.device import device_hash


@pytest.mark.parametrize("key_length", [0, 1, 32, 63, 64, 65, 200])
def test_the_same_bytes_as_the_standard_library(key_length: int) -> None:
    key = bytes(range(key_length))
    for message in (b"", b"x", b"08934521000008\x1dXHL-1\x1d777", bytes(range(256)) * 3):
        assert hmac_sha256(key, message) == hmac.digest(key, message, "sha256")
        # Asked again with the key's pads kept: still the same.
        assert hmac_sha256(key, message) == hmac.digest(key, message, "sha256")


def test_serials_and_device_hashes_made_before_still_match() -> None:
    """Values computed with `hmac.digest` (commit c81df7a)."""
    key = b"k" * 32
    serial = make_serial(key, gtin="08934521000008", lot="XHL-1", index=777)
    assert serial == "0000R9SBKS70SQB7"
    assert is_authentic(key, gtin="08934521000008", lot="XHL-1", serial=serial)
    assert not is_authentic(key, gtin="08934521000008", lot="XHL-1", serial=serial[:-1] + "8")
    day = dt.date(2026, 12, 7)
    assert device_hash(secret_key="s", device="cookie:abc", day=day) == (
        "c7fc1eeffd86627c1f4a089ecb89a0e9"
    )
