"""The CBV 2.0 event hash (CBV 2.0 §8.9, "ni:///sha-256;…?ver=CBV2.0").

An event is serialised into a pre-hash string: `eventType=…`, then the standard fields
in the order of §8.9.2 step 3, then whatever else the event holds (business
transactions, sources, destinations, ILMD, user extensions) sorted lexically, as the
reference implementation (epcis-event-hash-generator, published with CBV 2.0) does,
so that IDs agree with other systems. Values are normalised first: times to UTC with
milliseconds, GS1 keys to constrained canonical Digital Link, CBV terms to Web
Vocabulary URIs, numbers without superfluous zeros, namespace prefixes expanded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from typing import Any, Final

from registry.events.identifiers import hash_form
from registry.events.vocabulary import (
    CBV_BASE,
    GS1_VOC_BASE,
    SENSOR_ALERT_TYPES,
    SENSOR_COMPONENTS,
    modernised,
    web_uri,
)

HASH_PREFIX: Final = "ni:///sha-256;"
HASH_SUFFIX: Final = "?ver=CBV2.0"
# §8.9.2 step 2: not part of what happened, so not hashed.
_EXCLUDED: Final = frozenset({"@context", "type", "eventID", "recordTime", "errorDeclaration"})
# Remarks for people, not facts of the event: the reference drops them at every level.
_COMMENTS: Final = frozenset({"rdfs:comment", "comment"})
_EPC_LISTS: Final = ("epcList", "inputEPCList", "childEPCs")
_QUANTITY_LISTS: Final = ("quantityList", "childQuantityList", "inputQuantityList")
_PAIR_LISTS: Final = {
    "bizTransactionList": ("type", "bizTransaction", "bizTransactionType"),
    "sourceList": ("type", "source", "sourceDestType"),
    "destinationList": ("type", "destination", "sourceDestType"),
}
_SENSOR_METADATA_ORDER: Final = (
    "time",
    "startTime",
    "endTime",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "bizRules",
)
_SENSOR_REPORT_ORDER: Final = (
    "type",
    "exception",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "time",
    "microorganism",
    "chemicalSubstance",
    "value",
    "component",
    "stringValue",
    "booleanValue",
    "hexBinaryValue",
    "uriValue",
    "minValue",
    "maxValue",
    "meanValue",
    "sDev",
    "percRank",
    "percValue",
    "uom",
    "coordinateReferenceSystem",
)


def context_namespaces(*contexts: Any) -> dict[str, str]:
    """Prefix → namespace IRI from the term definitions of JSON-LD @context values."""
    namespaces: dict[str, str] = {}
    for context in contexts:
        items = context if isinstance(context, list) else [context]
        for item in items:
            if isinstance(item, dict):
                namespaces.update(
                    (k, v) for k, v in item.items() if isinstance(v, str) and not k.startswith("@")
                )
    return namespaces


def event_hash(event: Mapping[str, Any], namespaces: Mapping[str, str] | None = None) -> str:
    digest = hashlib.sha256(pre_hash_string(event, namespaces or {}).encode()).hexdigest()
    return f"{HASH_PREFIX}{digest}{HASH_SUFFIX}"


def pre_hash_string(event: Mapping[str, Any], namespaces: Mapping[str, str]) -> str:
    return _Serialiser(namespaces).event(event)


def _utc_milliseconds(text: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    moment = moment.astimezone(dt.UTC)
    milliseconds = round(moment.microsecond, -3)
    moment = moment.replace(microsecond=0) + dt.timedelta(microseconds=milliseconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _numeric(text: str) -> str:
    if ":" in text:
        # Never a number (float() refuses it): most values are URIs, and a refused
        # float() costs an exception each.
        return text
    try:
        number = float(text)
    except ValueError:
        return text
    if number.is_integer():
        return str(int(number))
    return str(number)


class _Serialiser:
    def __init__(self, namespaces: Mapping[str, str]) -> None:
        self.namespaces = namespaces
        # Members of nested elements that the reference does not take as the element's own
        # (see `split`): it hashes them at the end, under their path, with the extensions.
        self.leftovers: list[str] = []

    def name(self, key: str) -> str:
        prefix, colon, local = key.partition(":")
        if colon and prefix in self.namespaces:
            return "{" + self.namespaces[prefix] + "}" + local
        return key

    def text(self, value: Any) -> str:
        """A JSON scalar as the text the reference implementation reads (json → str)."""
        text = value if isinstance(value, str) else str(value)
        prefix, colon, local = text.partition(":")
        if colon and prefix in self.namespaces:
            text = self.namespaces[prefix] + local
        return text.strip()

    def value(self, value: Any) -> str:
        text = _numeric(modernised(self.text(value)))
        return hash_form(text) or text

    def field(self, name: str, value: Any, convert: Callable[[Any], str] | None = None) -> str:
        text = convert(value) if convert else self.value(value)
        return f"{name}={text}" if text else ""

    def event(self, event: Mapping[str, Any]) -> str:
        rest = {k: v for k, v in event.items() if k not in _EXCLUDED and k not in _COMMENTS}
        parts = ["eventType=" + str(event.get("type", ""))]

        def take(name: str) -> Any:
            return rest.pop(name, None)

        if (time := take("eventTime")) is not None:
            parts.append(self.field("eventTime", time, lambda v: _utc_milliseconds(self.text(v))))
        for name in ("eventTimeZoneOffset", "certificationInfo", "parentID"):
            parts.append(self.repeated(name, take(name)))
        for name in _EPC_LISTS:
            parts.append(self.epc_list(name, take(name)))
        for name in _QUANTITY_LISTS:
            parts.append(self.quantity_list(name, take(name)))
        parts.append(self.epc_list("outputEPCList", take("outputEPCList")))
        parts.append(self.quantity_list("outputQuantityList", take("outputQuantityList")))
        for name in ("action", "transformationID"):
            parts.append(self.repeated(name, take(name)))
        if (step := take("bizStep")) is not None:
            parts.append(self.field("bizStep", web_uri("bizStep", self.text(step))))
        if (disposition := take("disposition")) is not None:
            parts.append(self.field("disposition", web_uri("disposition", self.text(disposition))))
        parts.append(self.persistent_disposition(take("persistentDisposition")))
        for name in ("readPoint", "bizLocation"):
            parts.append(self.location(name, take(name)))
        parts.append(self.sensor_elements(take("sensorElementList")))
        parts.append(self.generic_members(rest, self.leftovers))
        return "".join(parts)

    def repeated(self, name: str, value: Any) -> str:
        if value is None:
            return ""
        values = value if isinstance(value, list) else [value]
        return "".join(sorted(self.field(name, v) for v in values))

    def epc_list(self, name: str, value: Any) -> str:
        if not value:
            return ""
        return name + "".join(sorted(self.field("epc", epc) for epc in value))

    def quantity_list(self, name: str, value: Any) -> str:
        if not value:
            return ""
        elements = []
        for element in value:
            text = "".join(
                self.field(part, element[part])
                for part in ("epcClass", "quantity", "uom")
                if part in element
            )
            elements.append("quantityElement" + text)
        return name + "".join(sorted(elements))

    def persistent_disposition(self, value: Any) -> str:
        if not value:
            return ""
        text = "".join(
            "".join(
                sorted(
                    self.field(part, web_uri("disposition", self.text(v)))
                    for v in value.get(part) or []
                )
            )
            for part in ("set", "unset")
        )
        return "persistentDisposition" + text if text else ""

    def location(self, name: str, value: Any) -> str:
        if not isinstance(value, dict):
            return ""
        extensions, leftovers = self.split(value, ("id",))
        if leftovers:
            self.leftovers.append(name + "".join(sorted(leftovers)))
        text = self.field("id", value["id"]) if "id" in value else ""
        return name + text + extensions if text or extensions else ""

    def sensor_elements(self, value: Any) -> str:
        if not value:
            return ""
        elements, element_leftovers = [], []
        for element in value:
            text, leftovers = "", []
            metadata = element.get("sensorMetadata")
            if isinstance(metadata, dict):
                own, rest = self.ordered(metadata, _SENSOR_METADATA_ORDER)
                text += "sensorMetadata" + own if own else ""
                leftovers += ["sensorMetadata" + "".join(sorted(rest))] if rest else []
            reports = []
            for report in element.get("sensorReport") or []:
                own, rest = self.ordered(report, _SENSOR_REPORT_ORDER)
                reports += ["sensorReport" + own] if own else []
                leftovers += ["sensorReport" + "".join(sorted(rest))] if rest else []
            text += "".join(sorted(reports))
            extensions, rest = self.split(element, ("sensorMetadata", "sensorReport"))
            text += extensions
            leftovers += rest
            if text:
                elements.append("sensorElement" + text)
            if leftovers:
                element_leftovers.append("sensorElement" + "".join(sorted(leftovers)))
        if element_leftovers:
            self.leftovers.append("sensorElementList" + "".join(sorted(element_leftovers)))
        return "sensorElementList" + "".join(sorted(elements)) if elements else ""

    def ordered(self, obj: Mapping[str, Any], order: tuple[str, ...]) -> tuple[str, list[str]]:
        parts = []
        for name in order:
            if name not in obj:
                continue
            raw = obj[name]
            if "time" in name.lower():
                parts.append(self.field(name, raw, lambda v: _utc_milliseconds(self.text(v))))
            elif name == "type" and isinstance(raw, str) and ":" not in raw:
                parts.append(self.field(name, GS1_VOC_BASE + raw))
            elif name == "component" and raw in SENSOR_COMPONENTS:
                parts.append(self.field(name, CBV_BASE + "Comp-" + raw))
            elif name == "exception" and raw in SENSOR_ALERT_TYPES:
                parts.append(self.field(name, GS1_VOC_BASE + raw))
            else:
                parts.append(self.field(name, raw))
        extensions, leftovers = self.split(obj, order)
        return "".join(parts) + extensions, leftovers

    def split(self, obj: Mapping[str, Any], standard: tuple[str, ...]) -> tuple[str, list[str]]:
        """The other members of a nested standard element: (its extensions, leftovers).

        The reference keeps an extension with its element only when the namespace ends
        in "/" and the element has more than one member; everything else it hashes at
        the end of the event under the element's path.
        """
        members = {k: v for k, v in obj.items() if k not in _COMMENTS}
        extensions: list[str] = []
        leftovers: list[str] = []
        for key, value in members.items():
            if key in standard:
                continue
            name = self.name(key)
            own = len(members) > 1 and name.startswith("{") and "/}" in name
            (extensions if own else leftovers).extend(self.member(name, value))
        return "".join(sorted(extensions)), leftovers

    def generic_members(self, obj: Mapping[str, Any], extra: list[str] | None = None) -> str:
        items = [
            s
            for key, value in obj.items()
            if key not in _COMMENTS
            for s in self.member(self.name(key), value)
        ] + (extra or [])
        if not any(key in ("bizTransaction", "source", "destination") for key in obj):
            items.sort()
        return "".join(items)

    def member(self, name: str, value: Any) -> list[str]:
        if name in _PAIR_LISTS and isinstance(value, list):
            return [self.pair_list(name, value)] if value else []
        if isinstance(value, list):
            return [s for item in value for s in self.member(name, item)]
        if isinstance(value, dict):
            return [name + self.generic_members(value)]
        if value is None:
            return [name]
        text = self.value(value)
        return [f"{name}={text}" if text else name]

    def pair_list(self, name: str, value: list[Any]) -> str:
        type_key, value_key, kind = _PAIR_LISTS[name]
        pairs = []
        for item in value:
            text = ""
            if type_key in item:
                text += self.field(type_key, web_uri(kind, self.text(item[type_key])))
            if value_key in item:
                text += self.field(value_key, item[value_key])
            pairs.append(text)
        return name + "".join(sorted(pairs))
