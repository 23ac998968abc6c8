"""GS1 keys written as EPC URIs (TDS 2.x §6), for clients that ask for them
(REST binding header GS1-EPC-Format: Always_EPC_URN).

An EPC URI splits the company prefix from the rest, so it needs the prefix's length:
GS1's company prefix format list (biip's copy of it) gives it. A key the list has no
length for stays in Digital Link form.
"""

from __future__ import annotations

from typing import Any, Final

from registry.events.identifiers import Key, parse_key
from registry.gs1 import GS1Error

# REST binding (openapi.yaml GS1-EPC-Format): how GS1 keys are written in answers.
EPC_FORMATS: Final = (
    "No_Preference",
    "Always_GS1_Digital_Link",
    "Always_EPC_URN",
    "Never_Translates",
)

# TDS 2.1 Table A-1: characters an EPC URI component must percent-encode.
_ESCAPED: Final = str.maketrans({c: f"%{ord(c):02X}" for c in '"%&/<>?#'})


def _escape(value: str) -> str:
    return value.translate(_ESCAPED)


def _company_prefix_length(digits: str) -> int | None:
    if not digits.isdigit():
        return None
    # Imported when first needed: biip reads GS1's whole prefix list as it is imported
    # (~0.1 s), which a process that never writes an EPC URI would pay for nothing.
    from biip.gs1_prefixes import GS1CompanyPrefix

    prefix = GS1CompanyPrefix.extract(digits)
    return len(prefix.value) if prefix is not None else None


def epc_urn(key: Key) -> str | None:
    """The EPC URI of a GS1 key, or None when it has none or its prefix length is unknown."""
    code, value = key.primary
    serial, lot = key.qualifier("21"), key.qualifier("10")
    if (
        code == "01"
        and len(value) == 14
        and key.qualifiers in ((), (("21", serial),), (("10", lot),))
    ):
        length = _company_prefix_length(value[1:13])
        if length is None:
            return None
        company, item = value[1 : 1 + length], value[0] + value[1 + length : 13]
        if serial is not None:
            return f"urn:epc:id:sgtin:{company}.{item}.{_escape(serial)}"
        if lot is not None:
            return f"urn:epc:class:lgtin:{company}.{item}.{_escape(lot)}"
        return f"urn:epc:idpat:sgtin:{company}.{item}.*"
    if key.qualifiers and code != "414":
        return None
    return _other_key(code, value, key.qualifier("254"))


def _other_key(code: str, value: str, extension: str | None) -> str | None:
    if code == "00" and len(value) == 18:
        length = _company_prefix_length(value[1:17])
        if length is None:
            return None
        return f"urn:epc:id:sscc:{value[1 : 1 + length]}.{value[0]}{value[1 + length : 17]}"
    if code in ("414", "417") and len(value) == 13:
        length = _company_prefix_length(value[:12])
        if length is None:
            return None
        company, reference = value[:length], value[length:12]
        if code == "417":
            return f"urn:epc:id:pgln:{company}.{reference}"
        return f"urn:epc:id:sgln:{company}.{reference}.{_escape(extension or '0')}"
    if code in ("8018", "8017") and len(value) == 18:
        length = _company_prefix_length(value[:17])
        scheme = "gsrn" if code == "8018" else "gsrnp"
        if length is None:
            return None
        return f"urn:epc:id:{scheme}:{value[:length]}.{value[length:17]}"
    if code == "8003" and len(value) > 14 and value[0] == "0":
        length = _company_prefix_length(value[1:13])
        if length is None:
            return None
        company, asset_type = value[1 : 1 + length], value[1 + length : 13]
        return f"urn:epc:id:grai:{company}.{asset_type}.{_escape(value[14:])}"
    if code == "253" and len(value) > 13:
        length = _company_prefix_length(value[:12])
        if length is None:
            return None
        return f"urn:epc:id:gdti:{value[:length]}.{value[length:12]}.{_escape(value[13:])}"
    if code == "8004":
        digits = "".join(c for c in value[:12] if c.isdigit())
        length = _company_prefix_length(digits) if digits == value[: len(digits)] else None
        if length is None:
            return None
        return f"urn:epc:id:giai:{value[:length]}.{_escape(value[length:])}"
    return None


def as_epc_urn(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        key = parse_key(value)
    except GS1Error:
        return value
    return (epc_urn(key) or value) if key is not None else value


def with_epc_urns(event: dict[str, Any]) -> dict[str, Any]:
    """A copy of a served event whose GS1 keys are EPC URIs where they have one."""
    out = dict(event)
    for name in ("epcList", "childEPCs", "inputEPCList", "outputEPCList"):
        if isinstance(out.get(name), list):
            out[name] = [as_epc_urn(epc) for epc in out[name]]
    if "parentID" in out:
        out["parentID"] = as_epc_urn(out["parentID"])
    for name in ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"):
        if isinstance(out.get(name), list):
            out[name] = [_member_as_urn(q, "epcClass") for q in out[name]]
    for name in ("readPoint", "bizLocation"):
        if isinstance(out.get(name), dict):
            out[name] = _member_as_urn(out[name], "id")
    for name, member in (
        ("sourceList", "source"),
        ("destinationList", "destination"),
        ("bizTransactionList", "bizTransaction"),
    ):
        if isinstance(out.get(name), list):
            out[name] = [_member_as_urn(item, member) for item in out[name]]
    return out


def _member_as_urn(item: Any, member: str) -> Any:
    if not isinstance(item, dict) or member not in item:
        return item
    return {**item, member: as_epc_urn(item[member])}
