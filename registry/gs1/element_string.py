"""GS1 element strings: raw (as scanned, GS separators), parenthesised and bracketed."""

from __future__ import annotations

from collections.abc import Iterable

from registry.gs1.ai import AI_TABLE, match_ai_code, value_problems
from registry.gs1.associations import association_problems, duplicate_problems
from registry.gs1.errors import GS1Error, GS1Problem, fail, problem

Element = tuple[str, str]

GS = "\x1d"
# ISO/IEC 15424 symbology identifiers of symbols that carry GS1 AI data
# (GS1 General Specifications §5.1.2 figure 5.1.2-2).
GS1_SYMBOLOGY_IDENTIFIERS = frozenset({"]C1", "]e0", "]d2", "]Q3", "]J1"})
_SYMBOLOGY_ID_LENGTH = 3


def _parse_raw(text: str) -> tuple[list[Element], list[GS1Problem]]:
    start = 0
    if text.startswith("]"):
        identifier = text[:_SYMBOLOGY_ID_LENGTH]
        if identifier not in GS1_SYMBOLOGY_IDENTIFIERS:
            raise fail(
                None,
                f"mã nhận dạng {identifier!r} không phải loại mã vạch chứa dữ liệu GS1 AI",
                f"symbology identifier {identifier!r} does not carry GS1 AI data",
                0,
            )
        start = _SYMBOLOGY_ID_LENGTH
    if text.startswith(GS, start):
        start += 1
    if start >= len(text):
        raise fail(None, "không có dữ liệu", "no data", start)

    elements: list[Element] = []
    problems: list[GS1Problem] = []
    position = start
    while position < len(text):
        entry = match_ai_code(text, position)
        if entry is None:
            shown = text[position : position + 4]
            raise GS1Error(
                [
                    *problems,
                    problem(
                        None,
                        f"không nhận ra AI ở vị trí {position + 1} ({shown!r}…)",
                        f"unknown AI at position {position + 1} ({shown!r}…)",
                        position,
                    ),
                ]
            )
        value_start = position + len(entry.code)
        if entry.fixed_length:
            value_end = min(value_start + entry.max_length, len(text))
            gs_at = text.find(GS, value_start, value_end)
            if gs_at != -1:
                value_end = gs_at
            next_position = value_end
            # A separator after a predefined-length AI is not needed but harmless.
            if text.startswith(GS, next_position):
                next_position += 1
        else:
            gs_at = text.find(GS, value_start)
            value_end = len(text) if gs_at == -1 else gs_at
            next_position = value_end + 1
        value = text[value_start:value_end]
        problems.extend(value_problems(entry, value, value_start))
        elements.append((entry.code, value))
        position = next_position
    return elements, problems


def _parse_delimited(
    text: str, opening: str, closing: str
) -> tuple[list[Element], list[GS1Problem]]:
    escapes = opening == "("
    elements: list[Element] = []
    problems: list[GS1Problem] = []
    position = 0
    while position < len(text):
        if text[position] != opening:
            raise fail(
                None,
                f"thiếu '{opening}' mở đầu AI ở vị trí {position + 1}",
                f"expected '{opening}' opening an AI at position {position + 1}",
                position,
            )
        close = text.find(closing, position + 1)
        code = text[position + 1 : close] if close != -1 else ""
        entry = AI_TABLE.get(code)
        if entry is None:
            raise fail(
                code or None,
                f"AI không tồn tại ở vị trí {position + 1}",
                f"unknown AI at position {position + 1}",
                position,
            )
        value_start = close + 1
        cursor = value_start
        while True:
            next_open = text.find(opening, cursor)
            if next_open == -1:
                next_open = len(text)
                break
            if escapes and text[next_open - 1] == "\\":
                cursor = next_open + 1
                continue
            break
        raw_value = text[value_start:next_open]
        value = raw_value.replace("\\(", "(") if escapes else raw_value
        problems.extend(value_problems(entry, value, value_start))
        elements.append((code, value))
        position = next_open
    return elements, problems


def parse_element_string(text: str, *, check_associations: bool = True) -> list[Element]:
    """Elements of a GS1 element string, every value validated.

    Accepts the raw scanned form (optional symbology identifier such as ]d2 or ]Q3,
    optional leading FNC1 as GS, GS after variable-length values), the parenthesised
    form "(01)…(10)…" ('(' inside a value escaped as "\\(") and the bracketed form
    "[01]…[10]…". With `check_associations`, also rejects duplicated AIs and AIs
    missing a required partner or appearing with an excluded one.
    """
    if not text:
        raise fail(None, "chuỗi phần tử rỗng", "empty element string", 0)
    if text.startswith("("):
        elements, problems = _parse_delimited(text, "(", ")")
    elif text.startswith("["):
        elements, problems = _parse_delimited(text, "[", "]")
    else:
        elements, problems = _parse_raw(text)
    if check_associations:
        codes = [code for code, _ in elements]
        problems.extend(duplicate_problems(codes))
        problems.extend(association_problems(codes))
    if problems:
        raise GS1Error(problems)
    return elements


def format_parenthesised(elements: Iterable[Element]) -> str:
    """Human-readable form, "(01)…(10)…", escaping '(' in values as "\\(" (as the GS1
    Syntax Engine does)."""
    return "".join(f"({code}){value.replace('(', chr(92) + '(')}" for code, value in elements)


def format_bracketed(elements: Iterable[Element]) -> str:
    """zint's GS1 input form "[01]…[10]…" (CSET 82 has no square brackets)."""
    return "".join(f"[{code}]{value}" for code, value in elements)


def format_raw(elements: Iterable[Element], *, separator: str = GS) -> str:
    """Data as encoded after FNC1: a separator only after variable-length values that
    are not last (GS1 General Specifications §7.8.5)."""
    parts: list[str] = []
    items = list(elements)
    for index, (code, value) in enumerate(items):
        parts.append(code)
        parts.append(value)
        entry = AI_TABLE.get(code)
        predefined = entry is not None and entry.fixed_length
        if not predefined and index < len(items) - 1:
            parts.append(separator)
    return "".join(parts)
