"""CBV 2.0 vocabulary terms and their Web Vocabulary URIs."""

from __future__ import annotations

from typing import Final

CBV_BASE: Final = "https://ref.gs1.org/cbv/"
GS1_VOC_BASE: Final = "https://gs1.org/voc/"
STANDARD_CONTEXT: Final = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# Extension terms of this registry (README: EPCIS extension terms).
TRUYXUAT_NS: Final = "https://truyxuat.dev/ns/epcis/"

# CBV 2.0 §7.1 business steps (the bare terms the EPCIS 2.0 JSON-LD context maps).
BIZ_STEPS: Final = frozenset(
    {
        "accepting",
        "arriving",
        "assembling",
        "collecting",
        "commissioning",
        "consigning",
        "creating_class_instance",
        "cycle_counting",
        "decommissioning",
        "departing",
        "destroying",
        "disassembling",
        "dispensing",
        "encoding",
        "entering_exiting",
        "holding",
        "inspecting",
        "installing",
        "killing",
        "loading",
        "other",
        "packing",
        "picking",
        "receiving",
        "removing",
        "repackaging",
        "repairing",
        "replacing",
        "reserving",
        "retail_selling",
        "sampling",
        "sensor_reporting",
        "shipping",
        "staging_outbound",
        "stock_taking",
        "stocking",
        "storing",
        "transporting",
        "unloading",
        "unpacking",
        "void_shipping",
    }
)
# CBV 2.0 §7.2 dispositions.
DISPOSITIONS: Final = frozenset(
    {
        "active",
        "available",
        "completeness_inferred",
        "completeness_verified",
        "conformant",
        "container_closed",
        "container_open",
        "damaged",
        "destroyed",
        "dispensed",
        "disposed",
        "encoded",
        "expired",
        "in_progress",
        "in_transit",
        "inactive",
        "mismatch_class",
        "mismatch_instance",
        "mismatch_quantity",
        "needs_replacement",
        "no_pedigree_match",
        "non_conformant",
        "non_sellable_other",
        "partially_dispensed",
        "recalled",
        "reserved",
        "retail_sold",
        "returned",
        "sellable_accessible",
        "sellable_not_accessible",
        "stolen",
        "unavailable",
        "unknown",
    }
)
# CBV 2.0 §7.3 business transaction types and §7.4 source/destination types.
BIZ_TRANSACTION_TYPES: Final = frozenset(
    {
        "bol",
        "cert",
        "desadv",
        "inv",
        "pedigree",
        "po",
        "poc",
        "prodorder",
        "recadv",
        "rma",
        "testprd",
        "testres",
        "upevt",
    }
)
SOURCE_DESTINATION_TYPES: Final = frozenset({"owning_party", "possessing_party", "location"})
# CBV 2.0 §7.8 sensor value components (the EPCIS 2.0 context maps them to "cbv:Comp-…").
SENSOR_COMPONENTS: Final = frozenset(
    {
        "x",
        "y",
        "z",
        "axial_distance",
        "azimuth",
        "height",
        "spherical_radius",
        "polar_angle",
        "elevation_angle",
        "easting",
        "northing",
        "latitude",
        "longitude",
        "altitude",
    }
)
# EPCIS 2.0 §7.3.8 sensor alert types (the context maps them to "gs1:…").
SENSOR_ALERT_TYPES: Final = frozenset({"ALARM_CONDITION", "ERROR_CONDITION"})
EVENT_TYPES: Final = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)

# The Web Vocabulary prefix of each kind of term (CBV 2.0 §6.4) and the EPCIS 1.x URN
# prefix that means the same thing.
_KINDS: Final = {
    "bizStep": ("BizStep-", "urn:epcglobal:cbv:bizstep:", BIZ_STEPS),
    "disposition": ("Disp-", "urn:epcglobal:cbv:disp:", DISPOSITIONS),
    "bizTransactionType": ("BTT-", "urn:epcglobal:cbv:btt:", BIZ_TRANSACTION_TYPES),
    "sourceDestType": ("SDT-", "urn:epcglobal:cbv:sdt:", SOURCE_DESTINATION_TYPES),
    "errorReason": ("ER-", "urn:epcglobal:cbv:er:", frozenset({"did_not_occur", "incorrect_data"})),
}
_OLD_URN_PREFIXES: Final = tuple((urn, CBV_BASE + web) for web, urn, _ in _KINDS.values())


def web_uri(kind: str, value: str) -> str:
    """The Web Vocabulary URI of a bare CBV term; other values are returned unchanged."""
    web, urn, terms = _KINDS[kind]
    if value in terms:
        return CBV_BASE + web + value
    if value.startswith(urn):
        return CBV_BASE + web + value[len(urn) :]
    return value


def urn(kind: str, value: str) -> str:
    """The EPCIS 1.x URN of a CBV term in any spelling; other values are returned unchanged."""
    _, prefix, terms = _KINDS[kind]
    term = bare_term(kind, value)
    return prefix + term if term in terms else value


def bare_term(kind: str, value: str) -> str:
    """The bare CBV term for any spelling of it (bare, URN, Web URI); others unchanged."""
    web, urn, terms = _KINDS[kind]
    for prefix in (CBV_BASE + web, "http://ref.gs1.org/cbv/" + web, urn):
        if value.startswith(prefix) and value[len(prefix) :] in terms:
            return value[len(prefix) :]
    return value


def modernised(value: str) -> str:
    """EPCIS 1.x CBV URNs rewritten as their Web Vocabulary URIs (CBV 2.0 §8.9.2)."""
    if "urn:epcglobal:cbv:" not in value:
        return value
    for urn, web in _OLD_URN_PREFIXES:
        value = value.replace(urn, web)
    return value
