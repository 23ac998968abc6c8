"""What may go into a symbol: validated before encoding, refused (vi + en), never corrected."""

from __future__ import annotations

from labels.encoding import GS1Elements, SymbolKind
from labels.errors import LabelError
from registry.gs1 import (
    GS1Error,
    compress_digital_link,
    format_raw,
    gs1_check_digit,
    has_valid_check_digit,
    parse_digital_link,
    parse_element_string,
    uncompressed,
)

# GS1 General Specifications §5.4.1: at most 48 data characters in one GS1-128 symbol.
GS1_128_MAX_DATA_CHARACTERS = 48


def gtin13_content(value: str) -> str:
    digits = value.strip()
    if len(digits) != 13 or not digits.isascii() or not digits.isdigit():
        raise LabelError(
            f"Mã EAN-13 cần đúng 13 chữ số, nhận được {value!r}.",
            f"An EAN-13 needs exactly 13 digits, got {value!r}.",
            field="gtin13",
        )
    if not has_valid_check_digit(digits):
        expected = gs1_check_digit(digits[:12])
        raise LabelError(
            f"Số kiểm tra của GTIN-13 {digits} sai: chữ số cuối phải là {expected}. "
            "Mã không được tự sửa; hãy kiểm tra lại mã sản phẩm.",
            f"GTIN-13 {digits} has a wrong check digit: the last digit must be {expected}. "
            "It is not corrected automatically; check the product's code.",
            field="gtin13",
        )
    return digits


def digital_link_content(uri: str) -> str:
    """A Digital Link URI, compressed (GS1 Digital Link 1.1 §8) or not."""
    try:
        parse_digital_link(uncompressed(uri) or uri)
    except GS1Error as error:
        raise _from_gs1(error, field="digital_link") from error
    return uri


def compressed_content(uri: str) -> str:
    """The compressed form of a Digital Link URI, on the same host."""
    try:
        link = parse_digital_link(uncompressed(uri) or uri)
        base = uri[: uri.index("/", uri.index("//") + 2)]
        return compress_digital_link(base, [link.primary, *link.qualifiers, *link.attributes])
    except GS1Error as error:
        raise _from_gs1(error, field="digital_link") from error


def element_string_content(text: str) -> tuple[tuple[str, str], ...]:
    try:
        return tuple(parse_element_string(text))
    except GS1Error as error:
        raise _from_gs1(error, field="data") from error


def symbol_content(kind: SymbolKind, data: str) -> str | GS1Elements:
    """Validate user-given data for a symbol kind: what `labels.encoding.encode` accepts."""
    if kind is SymbolKind.EAN13:
        return gtin13_content(data)
    if kind is SymbolKind.QR:
        return digital_link_content(data)
    elements = element_string_content(data)
    if kind is SymbolKind.GS1_128:
        length = len(format_raw(elements))
        if length > GS1_128_MAX_DATA_CHARACTERS:
            raise LabelError(
                f"Mã GS1-128 chứa tối đa {GS1_128_MAX_DATA_CHARACTERS} ký tự dữ liệu, "
                f"dữ liệu này có {length}.",
                f"A GS1-128 symbol holds at most {GS1_128_MAX_DATA_CHARACTERS} data "
                f"characters; this data has {length}.",
                field="data",
            )
    return elements


def _from_gs1(error: GS1Error, *, field: str) -> LabelError:
    return LabelError(
        "; ".join(p.message_vi for p in error.problems),
        "; ".join(p.message_en for p in error.problems),
        field=field,
    )
