"""GS1 Web Vocabulary link types (gs1-link-types-v1.16.json) and their spellings.

A link type may be asked for as a CURIE (`gs1:pip`) or as the full term URI, under
either namespace GS1 publishes (`https://ref.gs1.org/voc/pip`, `https://gs1.org/voc/pip`).
"""

from __future__ import annotations

import json
from pathlib import Path

_VOCABULARY_FILE = Path(__file__).with_name("gs1-link-types-v1.16.json")
CURIE_PREFIX = "gs1:"
# GS1 Web Vocabulary: the term URIs the linkset uses as relation types (RFC 9264 §4.2.2).
TERM_BASE = "https://ref.gs1.org/voc/"
_NAMESPACES = (
    "https://ref.gs1.org/voc/",
    "https://gs1.org/voc/",
    "https://www.gs1.org/voc/",
    "http://ref.gs1.org/voc/",
    "http://gs1.org/voc/",
    "http://www.gs1.org/voc/",
)

DEFAULT_LINK = "gs1:defaultLink"
DEFAULT_LINK_MULTI = "gs1:defaultLinkMulti"
PIP = "gs1:pip"
TRACEABILITY = "gs1:traceability"
CERTIFICATION_INFO = "gs1:certificationInfo"
RECALL_STATUS = "gs1:recallStatus"
VERIFICATION_SERVICE = "gs1:verificationService"
EPCIS = "gs1:epcis"


def _load() -> frozenset[str]:
    entries = json.loads(_VOCABULARY_FILE.read_text(encoding="utf-8"))
    return frozenset(entry["id"] for entry in entries if entry.get("status") != "deprecated")


LINK_TYPES = _load()


def normalize_link_type(value: str) -> str | None:
    """`gs1:X` for any spelling of a GS1 link type, None when it is not one."""
    text = value.strip()
    for namespace in _NAMESPACES:
        if text.startswith(namespace):
            text = CURIE_PREFIX + text[len(namespace) :]
            break
    return text if text in LINK_TYPES else None


def term_uri(curie: str) -> str:
    """The full term URI of a `gs1:X` link type (the linkset's relation type)."""
    return TERM_BASE + curie.removeprefix(CURIE_PREFIX)
