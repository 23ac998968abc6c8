"""Boundaries: GeoJSON Polygon/MultiPolygon checked, KML converted, and hostile XML
(external entities, entity expansion) or oversized files refused before any work."""

from __future__ import annotations

import json

import pytest

from registry.errors import InvalidInput
from registry.market_codes.boundary import (
    MAX_BOUNDARY_BYTES,
    boundary_from_upload,
    checked_geojson,
    kml_to_geojson,
)

SQUARE = [[106.0, 10.3], [106.01, 10.3], [106.01, 10.31], [106.0, 10.31], [106.0, 10.3]]
KML = b"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>Vuon</name>
<Polygon><outerBoundaryIs><LinearRing><coordinates>
106.0,10.3,0 106.01,10.3,0 106.01,10.31,0 106.0,10.31,0 106.0,10.3,0
</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE kml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&secret;</name>
<Polygon><outerBoundaryIs><LinearRing><coordinates>
106.0,10.3 106.01,10.3 106.01,10.31 106.0,10.3</coordinates></LinearRing></outerBoundaryIs>
</Polygon></Placemark></kml>"""
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'.encode()
        for n in range(1, 10)
    )
    + b']><kml xmlns="http://www.opengis.net/kml/2.2"><name>&lol9;</name></kml>'
)


def test_a_polygon_and_a_feature_are_kept_as_compact_geometry() -> None:
    polygon = {"type": "Polygon", "coordinates": [SQUARE]}
    assert json.loads(checked_geojson(json.dumps(polygon))) == polygon
    feature = {"type": "Feature", "properties": {}, "geometry": polygon}
    assert json.loads(checked_geojson(json.dumps(feature))) == polygon
    multi = {"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE]]}
    assert json.loads(checked_geojson(json.dumps(multi)))["type"] == "MultiPolygon"


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        json.dumps({"type": "Point", "coordinates": [106.0, 10.3]}),
        json.dumps({"type": "Polygon", "coordinates": [SQUARE[:3]]}),  # too few points
        json.dumps({"type": "Polygon", "coordinates": [[*SQUARE[:-1], [106.5, 10.5]]]}),  # open
        json.dumps({"type": "Polygon", "coordinates": [[[200.0, 10.0], *SQUARE[1:]]]}),
        json.dumps({"type": "Polygon", "coordinates": [[["106", "10"], *SQUARE[1:]]]}),
        "[" * 100_000 + "]" * 100_000,  # nesting deeper than the parser's stack
    ],
)
def test_what_is_not_a_polygon_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        checked_geojson(text)
    assert caught.value.field == "boundary"


def test_kml_polygons_become_geojson() -> None:
    geometry = json.loads(kml_to_geojson(KML))
    assert geometry == {"type": "Polygon", "coordinates": [SQUARE]}
    assert json.loads(boundary_from_upload("vuon.kml", KML)) == geometry
    assert json.loads(boundary_from_upload("vuon.geojson", json.dumps(geometry).encode())) == (
        geometry
    )


@pytest.mark.parametrize(
    "hostile",
    [XXE, LAUGHS, XXE.replace(b'<?xml version="1.0"?>', b"").decode().encode("utf-16")],
    ids=["external-entity", "billion-laughs", "utf-16"],
)
def test_kml_with_a_doctype_is_refused_without_expanding_it(hostile: bytes) -> None:
    with pytest.raises(InvalidInput) as caught:
        kml_to_geojson(hostile)
    assert "DOCTYPE" in caught.value.message_en
    assert "root:" not in caught.value.message_en


def test_oversized_files_are_refused_before_parsing() -> None:
    big = b" " * (MAX_BOUNDARY_BYTES + 1)
    for name in ("big.kml", "big.geojson"):
        with pytest.raises(InvalidInput) as caught:
            boundary_from_upload(name, big)
        assert "KB" in caught.value.message_en
