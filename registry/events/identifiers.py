"""GS1 identifiers in EPCIS events: EPC URIs (TDS 2.x) and GS1 Digital Link, one canonical form.

Every GS1 key is stored and served as its canonical Digital Link on id.gs1.org
(GS1 Digital Link URI Syntax §4.11; EPCIS 2.0 §7.3.2 allows either form in events).
An EPC URI carries the company-prefix length, so it converts without a prefix table;
the reverse is not needed, because output is always Digital Link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Final
from urllib.parse import unquote

from registry.gs1 import CANONICAL_BASE, GS1Error, gs1_check_digit, parse_digital_link
from registry.gs1.ai import validate_ai_value
from registry.gs1.errors import fail

# Characters a canonical key value percent-encodes: the ones EPC URIs escape
# (TDS 2.1 table A-1) and the ones GS1 Digital Link table 7-1 requires.
_ESCAPED: Final = str.maketrans({c: f"%{ord(c):02X}" for c in '"%&/<>?!()*+,: #'})
_DL_PRIMARY_IN_PATH: Final = re.compile(
    r"^https?://[^/?#]+(?:/[^?#]*)?/(00|01|253|255|401|402|414|417|8003|8004|8006|8010|8013"
    r"|8017|8018)/[^/?#]"
)
_EPC_URN: Final = re.compile(r"^urn:epc:(id|class|idpat):([a-z0-9]+):(.+)$")
# GS1 keys whose qualifiers identify an instance rather than a class.
_INSTANCE_QUALIFIERS: Final = frozenset({"21", "235", "8011", "7040", "254"})


def encode_value(value: str) -> str:
    return value.translate(_ESCAPED)


@dataclass(frozen=True)
class Key:
    """A GS1 key with its key qualifiers, e.g. ("01", gtin14) + (("10", lot),)."""

    primary: tuple[str, str]
    qualifiers: tuple[tuple[str, str], ...] = ()

    def qualifier(self, ai: str) -> str | None:
        return next((value for code, value in self.qualifiers if code == ai), None)

    def uri(self) -> str:
        return self._uri

    @cached_property
    def _uri(self) -> str:
        parts = [CANONICAL_BASE, f"/{self.primary[0]}/{encode_value(self.primary[1])}"]
        parts.extend(f"/{code}/{encode_value(value)}" for code, value in self.qualifiers)
        return "".join(parts)

    def hash_uri(self) -> str:
        """The constrained form the CBV 2.0 event hash uses (§8.9.2): no CPV (22), and
        only the finest level of identification (a serial drops the lot)."""
        return self._hash_uri

    @cached_property
    def _hash_uri(self) -> str:
        drop = {"22"} | ({"10"} if self.qualifier("21") is not None else set())
        kept = tuple(q for q in self.qualifiers if q[0] not in drop)
        return self.uri() if kept == self.qualifiers else Key(self.primary, kept).uri()

    @property
    def gtin(self) -> str | None:
        return self.primary[1] if self.primary[0] == "01" else None

    @property
    def lot(self) -> str | None:
        return self.qualifier("10") if self.primary[0] == "01" else None

    def lot_uri(self) -> str | None:
        return self._lot_uri

    @cached_property
    def _lot_uri(self) -> str | None:
        # Cached like the URI: parse_key hands out the same Key for the same identifier.
        lot = self.lot
        return Key(self.primary, (("10", lot),)).uri() if lot is not None else None

    @property
    def is_class(self) -> bool:
        """A GTIN with no lot or serial, or a bare GTIN class: not one traceable thing."""
        return self.primary[0] == "01" and not self.qualifiers

    def trace_node(self) -> str | None:
        """What genealogy links: the lot when known, else the instance; never a bare GTIN."""
        if self.is_class:
            return None
        if self.primary[0] == "01" and self.lot is not None:
            return self.lot_uri()
        kept = tuple(q for q in self.qualifiers if q[0] in _INSTANCE_QUALIFIERS)
        return Key(self.primary, kept).uri()

    def company_digits(self) -> str | None:
        """The digits a company prefix starts, for GTIN, SSCC, GLN and party GLN."""
        code, value = self.primary
        if code in ("01", "00"):
            return value[1:]
        if code in ("414", "417", "253", "255", "8018", "8017", "402"):
            return value
        return None


def _digits(value: str, total: int, what: str) -> None:
    if not value.isdigit() or len(value) != total:
        raise fail(None, f"{what}: cần {total} chữ số", f"{what}: {total} digits expected")


def _split(body: str, parts: int, what: str) -> list[str]:
    pieces = body.split(".", parts - 1)
    if len(pieces) != parts:
        raise fail(None, f"URI EPC {what} sai cấu trúc", f"malformed {what} EPC URI")
    return pieces


def _with_check(digits: str) -> str:
    return digits + gs1_check_digit(digits)


def _gtin(company: str, item: str) -> str:
    _digits(company + item, 13, "GTIN")
    return _with_check(item[0] + company + item[1:])


def _serial(ai: str, raw: str) -> str:
    value = unquote(raw)
    validate_ai_value(ai, value)
    return value


def _from_epc_urn(kind: str, scheme: str, body: str) -> Key:
    if (kind, scheme) == ("id", "sgtin"):
        company, item, serial = _split(body, 3, "SGTIN")
        return Key(("01", _gtin(company, item)), (("21", _serial("21", serial)),))
    if (kind, scheme) == ("class", "lgtin"):
        company, item, lot = _split(body, 3, "LGTIN")
        return Key(("01", _gtin(company, item)), (("10", _serial("10", lot)),))
    if (kind, scheme) == ("idpat", "sgtin"):
        company, item, star = _split(body, 3, "SGTIN")
        if star != "*":
            raise fail(None, "mẫu SGTIN phải kết thúc bằng *", "an SGTIN pattern ends with *")
        return Key(("01", _gtin(company, item)))
    if (kind, scheme) == ("id", "sscc"):
        company, serial_ref = _split(body, 2, "SSCC")
        _digits(company + serial_ref, 17, "SSCC")
        return Key(("00", _with_check(serial_ref[0] + company + serial_ref[1:])))
    if (kind, scheme) == ("id", "sgln"):
        company, location, extension = _split(body, 3, "SGLN")
        _digits(company + location, 12, "GLN")
        gln = _with_check(company + location)
        if extension == "0":
            return Key(("414", gln))
        return Key(("414", gln), (("254", _serial("254", extension)),))
    if kind == "id" and scheme in ("pgln", "gsrn", "gsrnp", "gsin"):
        company, reference = _split(body, 2, scheme.upper())
        ai, total = {
            "pgln": ("417", 12),
            "gsrn": ("8018", 17),
            "gsrnp": ("8017", 17),
            "gsin": ("402", 16),
        }[scheme]
        _digits(company + reference, total, scheme.upper())
        return Key((ai, _with_check(company + reference)))
    if kind == "id" and scheme in ("grai", "gdti", "sgcn"):
        company, reference, serial = _split(body, 3, scheme.upper())
        _digits(company + reference, 12, scheme.upper())
        base = _with_check(("0" if scheme == "grai" else "") + company + reference)
        ai = {"grai": "8003", "gdti": "253", "sgcn": "255"}[scheme]
        return Key((ai, base + unquote(serial)))
    if kind == "id" and scheme in ("giai", "ginc"):
        company, reference = _split(body, 2, scheme.upper())
        ai = "8004" if scheme == "giai" else "401"
        return Key((ai, company + unquote(reference)))
    if (kind, scheme) == ("id", "cpi"):
        company, reference, serial = _split(body, 3, "CPI")
        return Key(("8010", company + unquote(reference)), (("8011", serial),))
    raise LookupError(scheme)


@lru_cache(maxsize=65_536)
def parse_key(uri: str) -> Key | None:
    """The GS1 key an EPC URI or GS1 Digital Link names; None for other URIs.

    GS1Error when it is meant as a GS1 key but is wrong (check digit, characters ...).
    Cached: documents name the same lots and places over and over.
    """
    if uri.startswith("urn:epc:"):
        match = _EPC_URN.match(uri)
        if match is None:
            return None
        try:
            return _from_epc_urn(*match.groups())
        except LookupError:
            return None
    if uri.startswith(("http://", "https://")) and _DL_PRIMARY_IN_PATH.match(uri):
        link = parse_digital_link(uri, lenient=True)
        return Key(link.primary, link.qualifiers)
    return None


def hash_form(uri: str) -> str | None:
    """The CBV 2.0 event-hash form of a GS1 key, or None when `uri` is not one."""
    try:
        key = parse_key(uri)
    except GS1Error:
        return None
    return key.hash_uri() if key is not None else None


def lot_node(gtin: str, lot_code: str) -> str:
    """The node the events store for a lot (canonical Digital Link, AI 10): what trace
    and recall walks start from."""
    uri = Key(("01", gtin), (("10", lot_code),)).lot_uri()
    assert uri is not None
    return uri
