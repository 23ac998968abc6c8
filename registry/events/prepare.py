"""Turn one captured EPCIS event into what is stored: canonical identifiers, the event
hash, the query columns and the index rows. Pure: no database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from registry.errors import FieldProblem
from registry.events.hashing import event_hash
from registry.events.identifiers import Key, parse_key
from registry.events.vocabulary import bare_term
from registry.gs1 import GS1Error

FUTURE_TOLERANCE: Final = dt.timedelta(minutes=5)

# Where identifiers sit in an event, and the role their index rows get.
_EPC_FIELDS: Final = {
    "epcList": "epc",
    "childEPCs": "child",
    "inputEPCList": "input",
    "outputEPCList": "output",
}
_QUANTITY_FIELDS: Final = {
    "quantityList": "quantity",
    "childQuantityList": "child_quantity",
    "inputQuantityList": "input_quantity",
    "outputQuantityList": "output_quantity",
}
INPUT_ROLES: Final = ("input", "input_quantity")
OUTPUT_ROLES: Final = ("output", "output_quantity")
CHILD_ROLES: Final = ("child", "child_quantity")


@dataclass
class EpcRow:
    role: str
    epc: str
    key: Key | None
    quantity: Decimal | None = None
    uom: str | None = None
    field: str = ""

    @property
    def lot_key(self) -> str | None:
        return self.key.lot_uri() if self.key else None

    @property
    def node(self) -> str | None:
        return self.key.trace_node() if self.key else self.epc


@dataclass
class PreparedEvent:
    index: int
    event_id: str
    content_hash: str
    event_type: str
    event_time: dt.datetime
    document: dict[str, Any]
    action: str | None = None
    biz_step: str | None = None
    disposition: str | None = None
    read_point: str | None = None
    biz_location: str | None = None
    transformation_id: str | None = None
    epcs: list[EpcRow] = field(default_factory=list)
    place_keys: list[tuple[str, Key]] = field(default_factory=list)
    """(field, key) of readPoint and bizLocation."""
    party_keys: list[tuple[str, str, Key]] = field(default_factory=list)
    """(field, relation 'source'/'destination', key) of the source and destination lists."""

    @property
    def nodes(self) -> set[str]:
        return {row.node for row in self.epcs if row.node}


class EventProblems(Exception):
    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__(problems[0].message_en)
        self.problems = problems


def _time(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


class _Converter:
    """Rewrites identifiers to canonical Digital Link, collecting problems by field."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.problems: list[FieldProblem] = []

    def key(self, value: Any, where: str) -> tuple[str, Key | None]:
        if not isinstance(value, str):
            return str(value), None
        try:
            key = parse_key(value)
        except GS1Error as exc:
            self.problems.append(
                FieldProblem(
                    f"{self.prefix}.{where}",
                    f"Mã định danh {value!r} không hợp lệ: {exc.message_vi}",
                    f"Invalid identifier {value!r}: {exc.message_en}",
                )
            )
            return value, None
        return (key.uri(), key) if key is not None else (value, None)


def prepare_event(
    event: dict[str, Any],
    *,
    index: int,
    namespaces: dict[str, str],
    now: dt.datetime,
    field_prefix: str,
) -> PreparedEvent:
    """EventProblems when identifiers are wrong or the event lies in the future."""
    convert = _Converter(field_prefix)
    content_hash = event_hash(event, namespaces)
    document = _editable_copy(event)
    epcs: list[EpcRow] = []

    for name, role in _EPC_FIELDS.items():
        values = document.get(name) or []
        for i, value in enumerate(values):
            uri, key = convert.key(value, f"{name}[{i}]")
            values[i] = uri
            epcs.append(EpcRow(role, uri, key, field=f"{name}[{i}]"))
    if "parentID" in document:
        uri, key = convert.key(document["parentID"], "parentID")
        document["parentID"] = uri
        epcs.append(EpcRow("parent", uri, key, field="parentID"))
    for name, role in _QUANTITY_FIELDS.items():
        for i, element in enumerate(document.get(name) or []):
            uri, key = convert.key(element.get("epcClass"), f"{name}[{i}].epcClass")
            element["epcClass"] = uri
            epcs.append(
                EpcRow(
                    role,
                    uri,
                    key,
                    _decimal(element.get("quantity")),
                    element.get("uom"),
                    field=f"{name}[{i}].epcClass",
                )
            )

    place_keys: list[tuple[str, Key]] = []
    for name in ("readPoint", "bizLocation"):
        place = document.get(name)
        if isinstance(place, dict) and "id" in place:
            uri, key = convert.key(place["id"], f"{name}.id")
            place["id"] = uri
            if key is not None:
                place_keys.append((f"{name}.id", key))

    party_keys: list[tuple[str, str, Key]] = []
    for list_name, member in (("sourceList", "source"), ("destinationList", "destination")):
        for i, item in enumerate(document.get(list_name) or []):
            uri, key = convert.key(item.get(member), f"{list_name}[{i}].{member}")
            item[member] = uri
            if key is not None:
                party_keys.append((f"{list_name}[{i}].{member}", member, key))
    for i, item in enumerate(document.get("bizTransactionList") or []):
        uri, _ = convert.key(item.get("bizTransaction"), f"bizTransactionList[{i}]")
        item["bizTransaction"] = uri

    event_time = _time(event["eventTime"])
    if event_time > now + FUTURE_TOLERANCE:
        convert.problems.append(
            FieldProblem(
                f"{field_prefix}.eventTime",
                f"Thời điểm sự kiện {event['eventTime']} nằm ở tương lai.",
                f"The event time {event['eventTime']} lies in the future.",
            )
        )
    if convert.problems:
        raise EventProblems(convert.problems)

    event_id = event.get("eventID") or content_hash
    document["eventID"] = event_id
    document.pop("recordTime", None)
    if namespaces and "@context" not in document:
        # Extension terms keep their meaning once the event leaves its document.
        document["@context"] = [dict(namespaces)]
    return PreparedEvent(
        index=index,
        event_id=event_id,
        content_hash=content_hash,
        event_type=event["type"],
        event_time=event_time,
        document=document,
        action=event.get("action"),
        biz_step=bare_term("bizStep", event["bizStep"]) if "bizStep" in event else None,
        disposition=(
            bare_term("disposition", event["disposition"]) if "disposition" in event else None
        ),
        read_point=(document.get("readPoint") or {}).get("id"),
        biz_location=(document.get("bizLocation") or {}).get("id"),
        transformation_id=event.get("transformationID"),
        epcs=epcs,
        place_keys=place_keys,
        party_keys=party_keys,
    )


def _editable_copy(event: dict[str, Any]) -> dict[str, Any]:
    """A copy whose identifier fields may be rewritten; the rest is shared, unchanged."""
    document = dict(event)
    for name in (
        *_EPC_FIELDS,
        "bizTransactionList",
        "sourceList",
        "destinationList",
        *_QUANTITY_FIELDS,
    ):
        value = document.get(name)
        if isinstance(value, list):
            document[name] = [dict(v) if isinstance(v, dict) else v for v in value]
    for name in ("readPoint", "bizLocation"):
        if isinstance(document.get(name), dict):
            document[name] = dict(document[name])
    return document


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
