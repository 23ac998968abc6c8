"""Errors of resolving a scanned code."""

from __future__ import annotations

from registry.errors import FieldProblem, NotFound, TruyxuatError
from registry.gs1 import GS1Error


class InvalidDigitalLink(TruyxuatError):
    """GS1-Conformant Resolver 1.2 §4.3: a syntax error is answered with 400."""

    status = 400
    slug = "invalid-digital-link"
    title = "Invalid GS1 Digital Link"


class UnknownKey(NotFound):
    slug = "unknown-key"
    title = "Unknown identifier"


class UnknownLinkType(NotFound):
    slug = "unknown-link-type"
    title = "Link type not available"


def invalid_digital_link(error: GS1Error) -> InvalidDigitalLink:
    problems = [
        FieldProblem(f"AI ({p.ai})" if p.ai else "uri", p.message_vi, p.message_en)
        for p in error.problems
    ]
    return InvalidDigitalLink(
        f"Mã GS1 Digital Link không hợp lệ: {error.message_vi}",
        f"Invalid GS1 Digital Link: {error.message_en}",
        problems=problems,
    )


def too_long() -> InvalidDigitalLink:
    return InvalidDigitalLink(
        "Địa chỉ quá dài để là một mã GS1 Digital Link.",
        "The address is too long to be a GS1 Digital Link.",
    )


def not_a_uri() -> InvalidDigitalLink:
    return InvalidDigitalLink(
        "Địa chỉ chứa ký tự không hợp lệ (chỉ được dùng ASCII và mã hoá %).",
        "The address holds invalid characters (ASCII and percent-encoding only).",
    )


def unknown_key(code: str, value: str) -> UnknownKey:
    return UnknownKey(
        f"Mã này không có trong hệ thống của tỉnh ({code}) {value}.",
        f"This code is not in the provincial registry: ({code}) {value}.",
    )


def unknown_link_type(link_type: str) -> UnknownLinkType:
    return UnknownLinkType(
        f"Không có liên kết loại '{link_type}' cho mã này.",
        f"No link of type '{link_type}' is available for this code.",
    )


def key_not_first() -> InvalidDigitalLink:
    return InvalidDigitalLink(
        "Khoá chính GS1 phải đứng ngay đầu đường dẫn, ví dụ /01/08930000000000.",
        "The GS1 primary key must start the path, as in /01/08930000000000.",
    )
