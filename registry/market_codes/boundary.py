"""A growing area's boundary: GeoJSON (RFC 7946) Polygon or MultiPolygon, or a KML file
converted to one.

Both arrive from outside, so both are read under limits: the size of the upload, the
number of positions, and for KML an XML parser that loads no DTD, expands no entity and
fetches nothing (XXE, "billion laughs"); a KML file that declares a DOCTYPE is refused.
"""

from __future__ import annotations

import json
import math
from typing import Any

from lxml import etree

from registry.errors import InvalidInput

MAX_BOUNDARY_BYTES = 1_000_000
# A surveyed orchard outline has tens to hundreds of points; a province's, thousands.
MAX_POSITIONS = 20_000
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")


def _refused(vi: str, en: str) -> InvalidInput:
    return InvalidInput(
        f"Ranh giới không dùng được: {vi}", f"The boundary cannot be used: {en}", field="boundary"
    )


def _too_large() -> InvalidInput:
    return _refused(
        f"tệp lớn hơn {MAX_BOUNDARY_BYTES // 1000} KB.",
        f"the file is larger than {MAX_BOUNDARY_BYTES // 1000} KB.",
    )


def checked_geojson(text: str) -> str:
    """The boundary as compact GeoJSON geometry text; a Feature gives its geometry."""
    if len(text.encode("utf-8")) > MAX_BOUNDARY_BYTES:
        raise _too_large()
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _refused("không phải GeoJSON hợp lệ.", "it is not valid GeoJSON.") from exc
    if isinstance(document, dict) and document.get("type") == "Feature":
        document = document.get("geometry")
    if not isinstance(document, dict) or document.get("type") not in GEOMETRY_TYPES:
        raise _refused(
            "cần một hình Polygon hoặc MultiPolygon (GeoJSON).",
            "a GeoJSON Polygon or MultiPolygon is needed.",
        )
    coordinates = document.get("coordinates")
    polygons = [coordinates] if document["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        raise _bad_shape()
    positions = 0
    for polygon in polygons:
        positions += _checked_polygon(polygon)
        if positions > MAX_POSITIONS:
            raise _refused(
                f"nhiều hơn {MAX_POSITIONS:,} điểm.".replace(",", "."),
                f"more than {MAX_POSITIONS:,} points.",
            )
    return json.dumps({"type": document["type"], "coordinates": coordinates}, separators=(",", ":"))


def _bad_shape() -> InvalidInput:
    return _refused(
        "mỗi vòng ranh giới cần ít nhất 4 điểm [kinh độ, vĩ độ], điểm cuối trùng điểm đầu.",
        "each ring needs at least 4 [longitude, latitude] positions, the last one the first.",
    )


def _checked_polygon(polygon: Any) -> int:
    if not isinstance(polygon, list) or not polygon:
        raise _bad_shape()
    count = 0
    for ring in polygon:
        if not isinstance(ring, list) or len(ring) < 4:
            raise _bad_shape()
        for position in ring:
            _check_position(position)
        if ring[0][:2] != ring[-1][:2]:
            raise _bad_shape()
        count += len(ring)
    return count


def _check_position(position: Any) -> None:
    if (
        not isinstance(position, list)
        or not 2 <= len(position) <= 3
        or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in position
        )
    ):
        raise _bad_shape()
    longitude, latitude = position[0], position[1]
    if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
        raise _refused(
            "kinh độ phải từ -180 đến 180, vĩ độ từ -90 đến 90.",
            "longitude must be within -180..180 and latitude within -90..90.",
        )


def _doctype() -> InvalidInput:
    return _refused("tệp KML không được khai báo DOCTYPE.", "a KML file may not declare a DOCTYPE.")


def kml_to_geojson(data: bytes) -> str:
    """The polygons of a KML file as GeoJSON geometry text (checked as GeoJSON is)."""
    if len(data) > MAX_BOUNDARY_BYTES:
        raise _too_large()
    if b"<!doctype" in data.lower():  # before any parsing; the tree is checked again below
        raise _doctype()
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise _refused("không đọc được tệp KML.", "the KML file cannot be read.") from exc
    if root.getroottree().docinfo.doctype:
        raise _doctype()
    polygons = []
    for polygon in root.iter("{*}Polygon"):
        rings = [
            _kml_ring(element.text or "")
            for boundary in ("outerBoundaryIs", "innerBoundaryIs")
            for element in polygon.iterfind(f"{{*}}{boundary}/{{*}}LinearRing/{{*}}coordinates")
        ]
        if rings:
            polygons.append(rings)
    if not polygons:
        raise _refused("tệp KML không có hình Polygon nào.", "the KML file holds no Polygon.")
    geometry = (
        {"type": "Polygon", "coordinates": polygons[0]}
        if len(polygons) == 1
        else {"type": "MultiPolygon", "coordinates": polygons}
    )
    return checked_geojson(json.dumps(geometry))


def _kml_ring(text: str) -> list[list[float]]:
    """KML writes "lon,lat[,alt] lon,lat[,alt] …"; the altitude is dropped."""
    ring = []
    for tuple_text in text.split():
        parts = tuple_text.split(",")
        try:
            values = [float(part) for part in parts[:2]]
        except ValueError as exc:
            raise _bad_shape() from exc
        if len(values) != 2:
            raise _bad_shape()
        ring.append(values)
        if len(ring) > MAX_POSITIONS:
            raise _refused(
                f"nhiều hơn {MAX_POSITIONS:,} điểm.".replace(",", "."),
                f"more than {MAX_POSITIONS:,} points.",
            )
    return ring


def boundary_from_upload(filename: str, data: bytes) -> str:
    """A boundary file as uploaded: KML (by name or by content) or GeoJSON."""
    if len(data) > MAX_BOUNDARY_BYTES:
        raise _too_large()
    head = data.lstrip()[:1]
    if filename.lower().endswith(".kml") or head == b"<":
        return kml_to_geojson(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refused("tệp không phải UTF-8.", "the file is not UTF-8.") from exc
    return checked_geojson(text)
