"""Stored events written as EPCIS 2.0 XML (the XSD's element order), for query answers
asked for in XML. Reading the result back (registry.events.xml.read) gives events with
the same event hash."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from lxml import etree

from registry.events.hashing import context_namespaces
from registry.events.vocabulary import bare_term, urn, web_uri
from registry.events.xml.read import (
    EPC_LISTS,
    PARTY_LISTS,
    QUANTITY_LISTS,
    STANDARD_PREFIXES,
    XSD,
    XSI,
)
from registry.events.xml.schemas import EPCIS_2, EPCIS_QUERY_2

_BASE_ORDER: Final = (
    "eventTime",
    "recordTime",
    "eventTimeZoneOffset",
    "eventID",
    "errorDeclaration",
    "certificationInfo",
)
_WHERE_WHY: Final = ("bizStep", "disposition", "readPoint", "bizLocation")
_TAIL: Final = ("sourceList", "destinationList", "sensorElementList", "persistentDisposition")
# EPCIS 2.0 XSD: the sequence of each event type after the common EPCISEventType fields.
_ORDER: Final = {
    "ObjectEvent": (
        "epcList",
        "action",
        *_WHERE_WHY,
        "bizTransactionList",
        "quantityList",
        *_TAIL,
        "ilmd",
    ),
    "AggregationEvent": (
        "parentID",
        "childEPCs",
        "action",
        *_WHERE_WHY,
        "bizTransactionList",
        "childQuantityList",
        *_TAIL,
    ),
    "TransactionEvent": (
        "bizTransactionList",
        "parentID",
        "epcList",
        "action",
        *_WHERE_WHY,
        "quantityList",
        *_TAIL,
    ),
    "TransformationEvent": (
        "inputEPCList",
        "inputQuantityList",
        "outputEPCList",
        "outputQuantityList",
        "transformationID",
        *_WHERE_WHY,
        "bizTransactionList",
        *_TAIL,
        "ilmd",
    ),
    "AssociationEvent": (
        "parentID",
        "childEPCs",
        "childQuantityList",
        "action",
        *_WHERE_WHY,
        "bizTransactionList",
        *_TAIL,
    ),
}
_ERROR_ORDER: Final = ("declarationTime", "reason", "correctiveEventIDs")
# GS1-CBV-XML-Format (REST binding openapi.yaml): how CBV values are spelt in XML.
CBV_FORMATS: Final = ("No_Preference", "Always_Web_URI", "Always_URN", "Never_Translates")


def _xsd_type(value: Any) -> str | None:
    """The xsi:type that keeps a JSON scalar's type through XML (read.py restores it)."""
    if isinstance(value, bool):
        return "xsd:boolean"
    if isinstance(value, int):
        return "xsd:integer"
    if isinstance(value, float):
        return "xsd:double"
    return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Writer:
    def __init__(self, namespaces: Mapping[str, str], cbv_format: str) -> None:
        self.namespaces = {**{p: u for u, p in STANDARD_PREFIXES.items()}, **namespaces}
        self.cbv_format = cbv_format

    def term(self, kind: str, value: Any) -> str:
        """A CBV value in the asked-for spelling. A bare term is JSON's short form of the
        Web URI, so even "never translate" writes it as that URI in XML."""
        text = _text(value)
        if self.cbv_format == "Always_URN":
            return urn(kind, text)
        if self.cbv_format == "Never_Translates" and bare_term(kind, text) != text:
            return text
        return web_uri(kind, text)

    def tag(self, name: str) -> str:
        """The XML name of a JSON key: `prefix:local` in its namespace, else unqualified."""
        prefix, _, local = name.rpartition(":")
        if prefix and prefix in self.namespaces:
            return f"{{{self.namespaces[prefix]}}}{local}"
        return name

    def extension(self, parent: etree._Element, name: str, value: Any) -> None:
        for item in value if isinstance(value, list) else [value]:
            element = etree.SubElement(parent, self.tag(name))
            if isinstance(item, dict):
                for key, member in item.items():
                    self.extension(element, key, member)
            else:
                element.text = _text(item)
                if (xsd_type := _xsd_type(item)) is not None:
                    element.set(f"{{{XSI}}}type", xsd_type)

    def attributes(self, element: etree._Element, values: Mapping[str, Any]) -> None:
        for key, value in values.items():
            if not isinstance(value, dict | list):
                element.set(self.tag(key), _text(value))

    def event(self, parent: etree._Element, event: Mapping[str, Any]) -> None:
        kind = str(event.get("type"))
        element = etree.SubElement(parent, kind)
        order = (*_BASE_ORDER, *_ORDER.get(kind, ()))
        for name in order:
            if name in event:
                self.field(element, name, event[name])
        for name, value in event.items():
            if name not in order and name not in ("type", "@context"):
                self.extension(element, name, value)

    def field(self, parent: etree._Element, name: str, value: Any) -> None:
        element = etree.SubElement(parent, name)
        if name in EPC_LISTS:
            for epc in value:
                etree.SubElement(element, "epc").text = _text(epc)
        elif name in QUANTITY_LISTS:
            for quantity in value:
                item = etree.SubElement(element, "quantityElement")
                for key in ("epcClass", "quantity", "uom"):
                    if key in quantity:
                        etree.SubElement(item, key).text = _text(quantity[key])
        elif name in ("readPoint", "bizLocation"):
            etree.SubElement(element, "id").text = _text(value.get("id"))
            self.members(element, value, ("id",))
        elif name == "bizTransactionList":
            for transaction in value:
                item = etree.SubElement(element, "bizTransaction")
                item.text = _text(transaction.get("bizTransaction"))
                if "type" in transaction:
                    item.set("type", self.term("bizTransactionType", transaction["type"]))
        elif name in PARTY_LISTS:
            member = PARTY_LISTS[name]
            for party in value:
                kind = self.term("sourceDestType", party.get("type"))
                item = etree.SubElement(element, member, type=kind)
                item.text = _text(party.get(member))
        elif name == "sensorElementList":
            for sensor in value:
                self.sensor_element(element, sensor)
        elif name == "persistentDisposition":
            for key in ("unset", "set"):
                for disposition in value.get(key) or []:
                    etree.SubElement(element, key).text = self.term("disposition", disposition)
        elif name == "ilmd":
            self.members(element, value, ())
        elif name == "errorDeclaration":
            for key in _ERROR_ORDER:
                if key == "correctiveEventIDs" and key in value:
                    ids = etree.SubElement(element, key)
                    for event_id in value[key]:
                        etree.SubElement(ids, "correctiveEventID").text = _text(event_id)
                elif key == "reason" and key in value:
                    etree.SubElement(element, key).text = self.term("errorReason", value[key])
                elif key in value:
                    etree.SubElement(element, key).text = _text(value[key])
            self.members(element, value, _ERROR_ORDER)
        elif name in ("bizStep", "disposition"):
            element.text = self.term(name, value)
        else:
            element.text = _text(value)

    def members(
        self, element: etree._Element, value: Mapping[str, Any], known: Iterable[str]
    ) -> None:
        for key, member in value.items():
            if key not in known:
                self.extension(element, key, member)

    def sensor_element(self, parent: etree._Element, sensor: Mapping[str, Any]) -> None:
        element = etree.SubElement(parent, "sensorElement")
        if "sensorMetadata" in sensor:
            self.attributes(etree.SubElement(element, "sensorMetadata"), sensor["sensorMetadata"])
        for report in sensor.get("sensorReport") or []:
            self.attributes(etree.SubElement(element, "sensorReport"), report)
        self.members(element, sensor, ("sensorMetadata", "sensorReport"))


def _root(tag: str, creation_date: str, namespaces: Mapping[str, str]) -> etree._Element:
    nsmap: dict[str | None, str] = {"epcis": EPCIS_2, "xsi": XSI, "xsd": XSD}
    if tag.startswith("{" + EPCIS_QUERY_2):
        nsmap["epcisq"] = EPCIS_QUERY_2
    for prefix, uri in namespaces.items():
        if prefix not in nsmap and uri not in nsmap.values():
            nsmap[prefix] = uri
    return etree.Element(tag, nsmap=nsmap, schemaVersion="2.0", creationDate=creation_date)


def _namespaces(events: Iterable[Mapping[str, Any]], context: Any) -> dict[str, str]:
    namespaces = context_namespaces(context)
    for event in events:
        namespaces.update(context_namespaces(event.get("@context")))
    return namespaces


def epcis_xml(document: Mapping[str, Any], *, cbv_format: str = "Always_Web_URI") -> bytes:
    """An EPCISDocument or EPCISQueryDocument of the JSON binding, as EPCIS 2.0 XML."""
    body = document["epcisBody"]
    query = document.get("type") == "EPCISQueryDocument"
    results = body["queryResults"] if query else None
    events: list[Mapping[str, Any]] = (
        results["resultsBody"]["eventList"] if results is not None else body["eventList"]
    )
    namespaces = _namespaces(events, document.get("@context"))
    writer = _Writer(namespaces, cbv_format)
    tag = f"{{{EPCIS_QUERY_2}}}EPCISQueryDocument" if query else f"{{{EPCIS_2}}}EPCISDocument"
    root = _root(tag, str(document.get("creationDate")), writer.namespaces)
    xml_body = etree.SubElement(root, "EPCISBody")
    if results is not None:
        query_results = etree.SubElement(xml_body, f"{{{EPCIS_QUERY_2}}}QueryResults")
        etree.SubElement(query_results, "queryName").text = results["queryName"]
        event_list = etree.SubElement(etree.SubElement(query_results, "resultsBody"), "EventList")
    else:
        event_list = etree.SubElement(xml_body, "EventList")
    for event in events:
        own = context_namespaces(event.get("@context"))
        _Writer({**namespaces, **own}, cbv_format).event(event_list, event)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
