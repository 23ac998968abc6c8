"""EPCIS 2.0 §8.2.7.1 sensor parameters: an event matches when one of its sensor reports
(or, for the metadata attributes, the sensor element's metadata) has the attribute asked for.

The reports live in the stored event document, so each database gets its own JSON
query: `jsonb_path_exists` on PostgreSQL, `json_each` on SQLite.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import Boolean, ColumnElement, bindparam, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from registry.events.models import EpcisEvent

# Attributes a sensorReport carries; the first group may also sit in sensorMetadata.
METADATA_ATTRIBUTES: Final = ("deviceID", "dataProcessingMethod", "bizRules")
REPORT_ATTRIBUTES: Final = (
    "type",
    "microorganism",
    "chemicalSubstance",
    "stringValue",
    "hexBinaryValue",
    "uriValue",
    "booleanValue",
)
NUMERIC_ATTRIBUTES: Final = (
    "value",
    "minValue",
    "maxValue",
    "meanValue",
    "sDev",
    "percRank",
    "percValue",
)
COMPARISONS: Final = {"EQ": "==", "GT": ">", "GE": ">=", "LT": "<", "LE": "<="}
NUMERIC_PARAMETER: Final = re.compile(
    rf"({'|'.join(COMPARISONS)})_({'|'.join(NUMERIC_ATTRIBUTES)})_([A-Za-z0-9]{{1,3}})"
)
EQUAL_PARAMETERS: Final = frozenset(
    f"EQ_{name}" for name in METADATA_ATTRIBUTES + REPORT_ATTRIBUTES
)
_GS1_VOCABULARY: Final = "https://gs1.org/voc/"


@dataclass(frozen=True)
class SensorCondition:
    attribute: str
    comparison: str
    value: Any
    uom: str | None = None


class _SensorMatch(ColumnElement[bool]):
    inherit_cache = False
    type = Boolean()

    def __init__(self, condition: SensorCondition, place: str) -> None:
        self.condition = condition
        self.place = place  # "sensorReport" or "sensorMetadata"


@compiles(_SensorMatch, "postgresql")
def _postgresql(element: _SensorMatch, compiler: SQLCompiler, **kw: Any) -> str:
    condition = element.condition
    inner = "[*]" if element.place == "sensorReport" else ""
    test = f"@.{condition.attribute} {COMPARISONS[condition.comparison]} $v"
    variables: dict[str, Any] = {"v": _json_value(condition.value)}
    if condition.uom is not None:
        test += " && @.uom == $u"
        variables["u"] = condition.uom
    path = f"$.sensorElementList[*].{element.place}{inner} ? ({test})"
    document = compiler.process(EpcisEvent.__table__.c.document, **kw)
    return (
        f"jsonb_path_exists({document}, CAST({compiler.process(bindparam(None, path), **kw)}"
        f" AS jsonpath), CAST({compiler.process(bindparam(None, json.dumps(variables)), **kw)}"
        " AS jsonb))"
    )


@compiles(_SensorMatch, "sqlite")
def _sqlite(element: _SensorMatch, compiler: SQLCompiler, **kw: Any) -> str:
    condition = element.condition
    document = compiler.process(EpcisEvent.__table__.c.document, **kw)
    if element.place == "sensorReport":
        source, base = (
            ", json_each(sensor_element.value, '$.sensorReport') AS report",
            "report.value",
        )
        prefix = "$"
    else:
        source, base, prefix = "", "sensor_element.value", "$.sensorMetadata"
    value = compiler.process(bindparam(None, _json_value(condition.value)), **kw)
    operator = "=" if condition.comparison == "EQ" else COMPARISONS[condition.comparison]
    test = f"json_extract({base}, '{prefix}.{condition.attribute}') {operator} {value}"
    if condition.uom is not None:
        uom = compiler.process(bindparam(None, condition.uom), **kw)
        test += f" AND json_extract({base}, '{prefix}.uom') = {uom}"
    return (
        f"EXISTS (SELECT 1 FROM json_each({document}, '$.sensorElementList') AS sensor_element"
        f"{source} WHERE {test})"
    )


def _json_value(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def sensor_filter(condition: SensorCondition) -> ColumnElement[bool]:
    places = ["sensorReport"]
    if condition.attribute in METADATA_ATTRIBUTES:
        places.append("sensorMetadata")
    return or_(*(_SensorMatch(condition, place) for place in places))


def type_spellings(value: str) -> list[str]:
    """A measurement type as stored may be bare, gs1:-prefixed, or a full Web URI."""
    bare = value.removeprefix(_GS1_VOCABULARY).removeprefix("gs1:")
    if bare == value and ":" in value:
        return [value]
    return [bare, f"gs1:{bare}", f"{_GS1_VOCABULARY}{bare}"]
