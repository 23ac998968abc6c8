"""Pure GS1 standards code: check digits, keys, AIs, element strings, Digital Link.

Imports nothing of the project; the standard library only.
"""

from registry.gs1.ai import (
    AI_TABLE,
    ApplicationIdentifier,
    Component,
    ascii_suggestion,
    lookup_ai,
    validate_ai_value,
)
from registry.gs1.checkdigit import (
    gs1_check_character_pair,
    gs1_check_digit,
    has_valid_check_digit,
)
from registry.gs1.compression import compress_digital_link, uncompressed
from registry.gs1.digital_link import (
    CANONICAL_BASE,
    DigitalLink,
    LenientResult,
    build_digital_link,
    digital_link_from_element_string,
    parse_digital_link,
    parse_digital_link_lenient,
)
from registry.gs1.element_string import (
    GS,
    Element,
    format_bracketed,
    format_parenthesised,
    format_raw,
    parse_element_string,
)
from registry.gs1.errors import GS1Error, GS1Problem
from registry.gs1.keys import Gtin, gs1_issuer, normalize_gtin, parse_gln, parse_gtin, parse_sscc

__all__ = [
    "AI_TABLE",
    "CANONICAL_BASE",
    "GS",
    "ApplicationIdentifier",
    "Component",
    "DigitalLink",
    "Element",
    "GS1Error",
    "GS1Problem",
    "Gtin",
    "LenientResult",
    "ascii_suggestion",
    "build_digital_link",
    "compress_digital_link",
    "digital_link_from_element_string",
    "format_bracketed",
    "format_parenthesised",
    "format_raw",
    "gs1_check_character_pair",
    "gs1_check_digit",
    "gs1_issuer",
    "has_valid_check_digit",
    "lookup_ai",
    "normalize_gtin",
    "parse_digital_link",
    "parse_digital_link_lenient",
    "parse_element_string",
    "parse_gln",
    "parse_gtin",
    "parse_sscc",
    "uncompressed",
    "validate_ai_value",
]
