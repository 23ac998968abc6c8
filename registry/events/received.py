"""An EPCIS request body read as a document in the notation its Content-Type names."""

from __future__ import annotations

from typing import Any, Final, Literal

from registry.events.body import read_epcis_json
from registry.events.xml.read import read_epcis_xml

Notation = Literal["json", "xml"]
# EPCIS 2.0 REST binding (openapi.yaml requestBody content): JSON(-LD) and XML.
JSON_MEDIA_TYPES: Final = ("application/json", "application/ld+json")
XML_MEDIA_TYPES: Final = ("application/xml", "text/xml")


def notation_of(content_type: str | None) -> Notation | None:
    """The notation of a Content-Type header; JSON when none is given; None when unknown."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type in ("", *JSON_MEDIA_TYPES):
        return "json"
    if media_type in XML_MEDIA_TYPES:
        return "xml"
    return None


def read_document(raw: bytes, notation: Notation) -> Any:
    return read_epcis_xml(raw) if notation == "xml" else read_epcis_json(raw)
