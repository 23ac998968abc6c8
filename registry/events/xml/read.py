"""An EPCIS 2.0 or 1.2 XML document read into the JSON document the capture checks and
stores (EPCIS 2.0 §9.2: the XML and JSON bindings carry the same data).

The body is parsed without entities, DTDs or network, nested at most as deep as a JSON
body may be, and validated against the official schema of its version before it is
converted. EPCIS 1.2 wraps later fields in `extension` and `baseExtension` elements;
they are unwrapped, which is what GS1's 1.2→2.0 stylesheet does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any, Final

from lxml import etree

from registry.errors import FieldProblem
from registry.events.body import MAX_DEPTH, too_deep
from registry.events.capture import InvalidEpcisDocument
from registry.events.vocabulary import STANDARD_CONTEXT, bare_term
from registry.events.xml.schemas import VERSION_OF_NAMESPACE, epcis_schema, safe_parser

XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
XSD: Final = "http://www.w3.org/2001/XMLSchema"
# Prefixes the EPCIS 2.0 JSON-LD context defines: extension elements in these namespaces
# keep the standard prefix, which a document's @context may not redefine.
STANDARD_PREFIXES: Final = {
    "https://gs1.org/voc/": "gs1",
    "https://ref.gs1.org/cbv/": "cbv",
    "https://ref.gs1.org/epcis/": "epcis",
    "http://www.w3.org/2000/01/rdf-schema#": "rdfs",
    "http://www.w3.org/2001/XMLSchema#": "xsd",
    "http://purl.org/dc/terms/": "dcterms",
    "http://www.w3.org/2002/07/owl#": "owl",
    "urn:epcglobal:cbv:mda:": "cbvmda",
}
# JSON scalars an extension element's xsi:type restores (the writer sets it).
_TYPED: Final[dict[str, Callable[[str], Any]]] = {
    "boolean": lambda text: text in ("true", "1"),
    "integer": int,
    "int": int,
    "long": int,
    "double": float,
    "decimal": float,
    "float": float,
}
_WRAPPERS: Final = frozenset({"extension", "baseExtension"})
_TEXT_FIELDS: Final = frozenset(
    {
        "eventTime",
        "recordTime",
        "eventTimeZoneOffset",
        "eventID",
        "certificationInfo",
        "action",
        "bizStep",
        "disposition",
        "transformationID",
        "parentID",
    }
)
EPC_LISTS: Final = frozenset({"epcList", "childEPCs", "inputEPCList", "outputEPCList"})
QUANTITY_LISTS: Final = frozenset(
    {"quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"}
)
PARTY_LISTS: Final = {"sourceList": "source", "destinationList": "destination"}
# EPCIS 2.0 XSD SensorReportType and SensorMetadataType: attributes typed xsd:double
# and xsd:boolean are numbers and booleans in JSON.
_NUMBER_ATTRIBUTES: Final = frozenset(
    {"value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"}
)
_INTEGER: Final = re.compile(r"^[+-]?\d+$")


def _term(kind: str, element: etree._Element | str | None) -> str:
    """A CBV value as the JSON binding writes a standard one: its bare term."""
    text = element if isinstance(element, str) else _text(element) if element is not None else ""
    return bare_term(kind, text)


def _refuse(message_vi: str, message_en: str) -> InvalidEpcisDocument:
    return InvalidEpcisDocument(
        f"Tài liệu EPCIS XML không hợp lệ, không sự kiện nào được lưu: {message_vi}",
        f"The EPCIS XML document is invalid; no event was stored: {message_en}",
        problems=[FieldProblem("body", message_vi, message_en)],
    )


def parse_epcis_xml(raw: bytes) -> etree._Element:
    """The root of a well-formed, schema-valid EPCIS XML document (2.0 or 1.2)."""
    try:
        root = etree.fromstring(raw, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise _refuse(f"XML sai cú pháp ({exc}).", f"malformed XML ({exc}).") from exc
    info = root.getroottree().docinfo
    # A bare <!DOCTYPE x> (GS1's own examples have one) declares nothing; an internal
    # subset or an external DTD is where entities would come from.
    subset = info.internalDTD
    declares = subset is not None and (any(subset.iterentities()) or any(subset.iterelements()))
    if declares or info.system_url or info.public_id:
        raise _refuse(
            "tài liệu EPCIS không được khai báo DTD hay thực thể (entity).",
            "an EPCIS document may not declare a DTD or entities.",
        )
    if _nests_deeper_than(root, MAX_DEPTH):
        raise too_deep("XML")
    version = VERSION_OF_NAMESPACE.get(etree.QName(root).namespace or "")
    if version is None:
        raise _refuse(
            f"phần tử gốc {root.tag} không phải tài liệu EPCIS 2.0 hay 1.2.",
            f"the root element {root.tag} is not an EPCIS 2.0 or 1.2 document.",
        )
    schema = epcis_schema(version)
    if not schema.validate(root):
        error = schema.error_log.last_error
        where = f"dòng {error.line}: {error.message}" if error else ""
        where_en = f"line {error.line}: {error.message}" if error else ""
        raise _refuse(
            f"không đúng lược đồ XML EPCIS {version} ({where}).",
            f"it does not follow the EPCIS {version} XML schema ({where_en}).",
        )
    return root


def read_epcis_xml(raw: bytes) -> dict[str, Any]:
    """The document as the JSON binding writes it: an EPCISDocument whose @context names
    the namespaces of its extension elements."""
    root = parse_epcis_xml(raw)
    reader = _Reader()
    # Prefixes declared on the root may name values too (a sensor type "example:x").
    for prefix, namespace in root.nsmap.items():
        if prefix and namespace not in (XSI, XSD, *VERSION_OF_NAMESPACE):
            reader.name(f"{{{namespace}}}_", prefix)
    events = [reader.event(element) for element in _events(root)]
    document: dict[str, Any] = {
        "@context": [STANDARD_CONTEXT, *([reader.namespaces] if reader.namespaces else [])],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": root.get("creationDate"),
        "epcisBody": {"eventList": events},
    }
    return document


def _nests_deeper_than(root: etree._Element, limit: int) -> bool:
    # One XPath step per level, evaluated by libxml2: a walk in Python cost as much as
    # reading the events, and a recursive one would meet the limit it guards.
    return bool(_deeper_than(limit)(root))


@cache
def _deeper_than(limit: int) -> etree.XPath:
    return etree.XPath("boolean(" + "*/" * (limit - 1) + "node()[not(self::text())])")


# Read from the tag's text ("{namespace}local"): etree.QName costs more than the rest of
# reading an event. safe_parser drops comments and processing instructions, so every
# node read here is an element with a string tag.
def _local(element: etree._Element) -> str:
    return str(element.tag).rpartition("}")[2]


def _is_epcis_field(element: etree._Element) -> bool:
    """EPCIS's own elements are unqualified; extensions live in a namespace of their own."""
    return not str(element.tag).startswith("{")


def _unwrapped(element: etree._Element) -> Iterator[etree._Element]:
    """The element's children, with 1.2's `extension`/`baseExtension` wrappers opened."""
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if _is_epcis_field(child) and _local(child) in _WRAPPERS:
            yield from _unwrapped(child)
        else:
            yield child


def _events(root: etree._Element) -> Iterator[etree._Element]:
    body = next((c for c in root if _local(c) == "EPCISBody"), None)
    if body is None:
        return
    for child in body:
        if _local(child) == "EventList":
            yield from _unwrapped(child)
        elif _local(child) == "QueryResults":
            results = next((c for c in child if _local(c) == "resultsBody"), None)
            for event_list in results if results is not None else ():
                if _local(event_list) == "EventList":
                    yield from _unwrapped(event_list)


def _text(element: etree._Element) -> str:
    return (element.text or "").strip()


def _typed(element: etree._Element) -> Any:
    """The element's text, as the JSON scalar its xsi:type names (xsd:boolean, ...)."""
    text = _text(element)
    prefix, _, local = (element.get(f"{{{XSI}}}type") or "").rpartition(":")
    convert = _TYPED.get(local)
    if convert is None or element.nsmap.get(prefix or None) != XSD:
        return text
    try:
        return convert(text)
    except ValueError:
        return text


def _number(text: str) -> int | float | str:
    try:
        return int(text) if _INTEGER.match(text) else float(text)
    except ValueError:
        return text


class _Reader:
    """Converts events, remembering which namespace prefixes their extensions use."""

    def __init__(self) -> None:
        self.namespaces: dict[str, str] = {}
        self._prefix_of: dict[str, str] = dict(STANDARD_PREFIXES)

    def name(self, qualified: str, hint: str | None) -> str:
        """`prefix:local` for a namespaced element or attribute, the local name otherwise."""
        name = etree.QName(qualified)
        if name.namespace is None:
            return str(name.localname)
        prefix = self._prefix_of.get(name.namespace)
        if prefix is None:
            base = hint or "ext"
            prefix, n = base, 1
            while prefix in self.namespaces or prefix in STANDARD_PREFIXES.values():
                n += 1
                prefix = f"{base}{n}"
            self._prefix_of[name.namespace] = prefix
            self.namespaces[prefix] = name.namespace
        return f"{prefix}:{name.localname}"

    def element_name(self, element: etree._Element) -> str:
        return self.name(element.tag, element.prefix)

    def attributes(self, element: etree._Element) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in element.attrib.items():
            if key.startswith("{" + XSI + "}"):
                continue
            prefix = None
            namespace = etree.QName(key).namespace
            if namespace is not None:
                prefix = next((p for p, u in element.nsmap.items() if u == namespace), None)
            name = self.name(key, prefix)
            if name in _NUMBER_ATTRIBUTES:
                out[name] = _number(value)
            elif name == "booleanValue":
                out[name] = value.strip() in ("true", "1")
            else:
                out[name] = value
        return out

    def extension(self, element: etree._Element) -> Any:
        """A user extension element: its text, or an object of its children (a list
        where a child name repeats)."""
        children = list(_unwrapped(element))
        if not children:
            return _typed(element)
        value: dict[str, Any] = {}
        for child in children:
            self.put(value, child)
        return value

    def put(self, into: dict[str, Any], element: etree._Element) -> None:
        """An extension element as a member; a name that repeats gathers a list."""
        key = self.element_name(element)
        converted = self.extension(element)
        if key not in into:
            into[key] = converted
        elif isinstance(into[key], list):
            into[key].append(converted)
        else:
            into[key] = [into[key], converted]

    def members(self, element: etree._Element, known: dict[str, Any]) -> dict[str, Any]:
        """Known members as given, followed by the element's extension children."""
        for child in _unwrapped(element):
            if not _is_epcis_field(child):
                self.put(known, child)
        return known

    def event(self, element: etree._Element) -> dict[str, Any]:
        event: dict[str, Any] = {"type": _local(element)}
        for child in _unwrapped(element):
            if not _is_epcis_field(child):
                self.put(event, child)
            else:
                name = _local(child)
                event[name] = self.field(name, child)
        return event

    def field(self, name: str, element: etree._Element) -> Any:
        if name in ("bizStep", "disposition"):
            return _term(name, element)
        if name in _TEXT_FIELDS:
            return _text(element)
        if name in EPC_LISTS:
            return [_text(epc) for epc in element]
        if name in QUANTITY_LISTS:
            return [self.quantity(q) for q in element]
        if name in ("readPoint", "bizLocation"):
            return self.members(element, {"id": _text(element.find("id"))})
        if name == "bizTransactionList":
            return [
                {
                    **({"type": _term("bizTransactionType", t)} if (t := b.get("type")) else {}),
                    "bizTransaction": _text(b),
                }
                for b in element
            ]
        if name in PARTY_LISTS:
            member = PARTY_LISTS[name]
            return [
                {"type": _term("sourceDestType", p.get("type")), member: _text(p)} for p in element
            ]
        if name == "sensorElementList":
            return [self.sensor_element(s) for s in _unwrapped(element)]
        if name == "persistentDisposition":
            found: dict[str, list[str]] = {}
            for child in element:
                found.setdefault(_local(child), []).append(_term("disposition", child))
            return found
        if name == "ilmd":
            return self.members(element, {})
        if name == "errorDeclaration":
            return self.error_declaration(element)
        return self.extension(element)

    def quantity(self, element: etree._Element) -> dict[str, Any]:
        quantity: dict[str, Any] = {}
        for child in element:
            name = _local(child)
            if name == "quantity":
                if child.get("{" + XSI + "}nil") not in ("true", "1"):
                    quantity[name] = _number(_text(child))
            else:
                quantity[name] = _text(child)
        return quantity

    def sensor_element(self, element: etree._Element) -> dict[str, Any]:
        sensor: dict[str, Any] = {}
        reports = []
        for child in _unwrapped(element):
            if not _is_epcis_field(child):
                self.put(sensor, child)
            elif _local(child) == "sensorMetadata":
                sensor["sensorMetadata"] = self.attributes(child)
            elif _local(child) == "sensorReport":
                reports.append(self.attributes(child))
        return {**({"sensorReport": reports} if reports else {}), **sensor}

    def error_declaration(self, element: etree._Element) -> dict[str, Any]:
        declaration: dict[str, Any] = {}
        for child in _unwrapped(element):
            name = _local(child)
            if not _is_epcis_field(child):
                self.put(declaration, child)
            elif name == "correctiveEventIDs":
                declaration[name] = [_text(c) for c in child]
            elif name == "reason":
                declaration[name] = _term("errorReason", child)
            else:
                declaration[name] = _text(child)
        return declaration
