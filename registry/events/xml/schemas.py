"""The official EPCIS XML schemas (packaged in xsd/), loaded once per process, and the one
parser every untrusted XML body goes through."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Final

from lxml import etree

XSD_FOLDER: Final = Path(__file__).parent / "xsd"
EPCIS_2: Final = "urn:epcglobal:epcis:xsd:2"
EPCIS_QUERY_2: Final = "urn:epcglobal:epcis-query:xsd:2"
EPCIS_1: Final = "urn:epcglobal:epcis:xsd:1"
EPCIS_QUERY_1: Final = "urn:epcglobal:epcis-query:xsd:1"
# The query schemas import the document schemas, so each validates both roots
# (EPCISDocument and EPCISQueryDocument) of its version.
_SCHEMA_FILES: Final = {
    "2.0": XSD_FOLDER / "2.0" / "EPCglobal-epcis-query-2_0.xsd",
    "1.2": XSD_FOLDER / "1.2" / "EPCglobal-epcis-query-1_2.xsd",
}
VERSION_OF_NAMESPACE: Final = {
    EPCIS_2: "2.0",
    EPCIS_QUERY_2: "2.0",
    EPCIS_1: "1.2",
    EPCIS_QUERY_1: "1.2",
}


def safe_parser() -> etree.XMLParser:
    """No entity is expanded, no DTD or other file is loaded, nothing is fetched from the
    network, and libxml2's limits on huge documents stay on (XXE and entity bombs)."""
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


@cache
def epcis_schema(version: str) -> etree.XMLSchema:
    """The XML schema of an EPCIS version ("2.0" or "1.2"); its imports are local files."""
    return etree.XMLSchema(etree.parse(str(_SCHEMA_FILES[version]), safe_parser()))
