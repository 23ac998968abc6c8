"""GS1 Application Identifiers: the table, and validation of one AI value."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from registry.gs1.ai_table import AI_TABLE_TEXT
from registry.gs1.errors import GS1Error, GS1Problem, fail, problem
from registry.gs1.linters import LINTERS, Linter

Charset = Literal["N", "X", "Y", "Z"]
DigitalLinkRole = Literal["primary", "qualifier", "attribute"]

# GS1 General Specifications §7.11 figure 7.11-1 (CSET 82), figure 7.11-2 (CSET 39);
# CSET 64 is the file-safe base64 alphabet of RFC 4648 §5 (with '=' padding).
_CHARSET_CLASS: dict[str, str] = {
    "N": r"0-9",
    "X": r"!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z",
    "Y": r"#\-/0-9A-Z",
    "Z": r"A-Za-z0-9\-_=",
}
_CHARSET_NAME: dict[str, tuple[str, str]] = {
    "N": ("chữ số (0-9)", "digits (0-9)"),
    "X": ("bộ ký tự GS1 CSET 82", "GS1 CSET 82"),
    "Y": ("bộ ký tự GS1 CSET 39", "GS1 CSET 39"),
    "Z": ("bộ ký tự GS1 CSET 64", "GS1 CSET 64"),
}
_CHARSETS: dict[str, Charset] = {"N": "N", "X": "X", "Y": "Y", "Z": "Z"}
_CHARSET_CHARS: dict[str, re.Pattern[str]] = {
    name: re.compile(f"[^{cls}]") for name, cls in _CHARSET_CLASS.items()
}


@dataclass(frozen=True)
class Component:
    """One part of an AI's data field (most AIs have exactly one)."""

    charset: Charset
    min_length: int
    max_length: int
    optional: bool
    linters: tuple[str, ...]


@dataclass(frozen=True)
class ApplicationIdentifier:
    code: str
    title: str
    charset: Charset
    min_length: int
    max_length: int
    fixed_length: bool
    """Predefined length (GS1 GenSpecs figure 7.8.5-2): no separator needed after it."""
    check_digit: bool
    is_date: bool
    """A YYMMDD date: a real date; `date_allows_day_00` when DD may be 00."""
    dl_role: DigitalLinkRole | None
    decimals: int | None
    """Implied decimal places for measures and amounts (310n, 392n ...)."""
    date_allows_day_00: bool = False
    dl_attribute: bool = False
    """May appear as a Digital Link query parameter."""
    components: tuple[Component, ...] = ()
    requires: tuple[tuple[tuple[str, ...], ...], ...] = ()
    """Each group: alternatives, one of which must be present (an alternative may need
    several AIs, patterns with 'n' for any digit)."""
    excludes: tuple[str, ...] = ()
    qualifier_sequences: tuple[tuple[str, ...], ...] = ()
    """For a Digital Link primary key: its ordered qualifier sequences (alternatives)."""
    pattern: re.Pattern[str] = field(default=re.compile(""), repr=False, compare=False)


def _parse_component(token: str) -> Component:
    spec, *linters = token.split(",")
    optional = spec.startswith("[")
    spec = spec.strip("[]")
    charset = _CHARSETS.get(spec[0])
    if charset is None:
        raise ValueError(f"unknown charset in {token!r}")
    unknown = [name for name in linters if name not in LINTERS]
    if unknown:
        raise ValueError(f"unknown linters {unknown} in {token!r}")
    if spec[1:3] == "..":
        low, high = 1, int(spec[3:])
    else:
        low = high = int(spec[1:])
    return Component(charset, low, high, optional, tuple(linters))


def _component_regex(component: Component) -> str:
    cls = _CHARSET_CLASS[component.charset]
    if component.min_length == component.max_length:
        body = f"[{cls}]{{{component.min_length}}}"
    else:
        body = f"[{cls}]{{{component.min_length},{component.max_length}}}"
    return f"(?:{body})?" if component.optional else body


def _overall_charset(components: tuple[Component, ...]) -> Charset:
    charsets = {component.charset for component in components}
    if charsets == {"N"}:
        return "N"
    if "Z" in charsets:
        return "Z"
    if "Y" in charsets:
        return "Y"
    return "X"


def _decimals(code: str) -> int | None:
    # §3.6 and §3.8: the fourth digit of 31nn-36nn measures and 390n-395n amounts
    # gives the implied decimal point position.
    if len(code) == 4 and ("3100" <= code <= "3699" or "3900" <= code <= "3959"):
        return int(code[3])
    return None


def _entries(text: str) -> list[tuple[list[str], str]]:
    """(tokens, title) per table entry, joining indented continuation lines."""
    entries: list[tuple[list[str], str]] = []
    for line in text.strip("\n").splitlines():
        body, _, title = line.partition("#")
        if line[:1].isspace():
            entries[-1][0].extend(body.split())
        else:
            entries.append((body.split(), title.strip()))
    return entries


def _load_table(text: str) -> dict[str, ApplicationIdentifier]:
    rows: list[tuple[str, str, tuple[Component, ...], list[str], str]] = []
    qualifiers: set[str] = set()
    for tokens, title in _entries(text):
        ai_range, flags, *rest = tokens
        component_tokens = [t for t in rest if t[0].isupper() or t[0] == "["]
        attributes = rest[len(component_tokens) :]
        components = tuple(_parse_component(t) for t in component_tokens)
        first, _, last = ai_range.partition("-")
        last = last or first
        for number in range(int(first), int(last) + 1):
            code = str(number).zfill(len(first))
            rows.append((code, flags, components, attributes, title))
        for attribute in attributes:
            if attribute.startswith("dlpkey="):
                for sequence in attribute[len("dlpkey=") :].split("|"):
                    qualifiers.update(sequence.split(","))

    table: dict[str, ApplicationIdentifier] = {}
    for code, flags, components, attributes, title in rows:
        requires: list[tuple[tuple[str, ...], ...]] = []
        excludes: list[str] = []
        sequences: list[tuple[str, ...]] = []
        primary = False
        for attribute in attributes:
            name, _, value = attribute.partition("=")
            if name == "req":
                requires.append(tuple(tuple(alt.split("+")) for alt in value.split(",")))
            elif name == "ex":
                excludes.extend(value.split(","))
            elif name == "dlpkey":
                primary = True
                sequences.extend(tuple(seq.split(",")) for seq in value.split("|") if value)
        linters = {name for component in components for name in component.linters}
        is_date = (
            len(components) == 1
            and components[0].max_length == 6
            and bool(linters & {"yymmdd", "yymmd0"})
        )
        role: DigitalLinkRole | None = None
        if primary:
            role = "primary"
        elif code in qualifiers:
            role = "qualifier"
        elif "?" in flags:
            role = "attribute"
        table[code] = ApplicationIdentifier(
            code=code,
            title=title,
            charset=_overall_charset(components),
            min_length=sum(c.min_length for c in components if not c.optional),
            max_length=sum(c.max_length for c in components),
            fixed_length="*" in flags,
            check_digit=bool(linters & {"csum", "csumalpha"}),
            is_date=is_date,
            dl_role=role,
            decimals=_decimals(code),
            date_allows_day_00=is_date and "yymmd0" in linters,
            dl_attribute="?" in flags,
            components=components,
            requires=tuple(requires),
            excludes=tuple(excludes),
            qualifier_sequences=tuple(sequences),
            pattern=re.compile("".join(_component_regex(c) for c in components)),
        )
    return table


AI_TABLE: dict[str, ApplicationIdentifier] = _load_table(AI_TABLE_TEXT)
AI_CODE_LENGTHS = (2, 3, 4)

_DIACRITIC_FREE = str.maketrans({"đ": "d", "Đ": "D", " ": "-"})


def ascii_suggestion(value: str) -> str:
    """A CSET 82 look-alike for text typed with Vietnamese diacritics ("LÔ 1" -> "LO-1")."""
    decomposed = unicodedata.normalize("NFKD", value.translate(_DIACRITIC_FREE))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c if c.isascii() and c.isprintable() else "_" for c in stripped)


def lookup_ai(code: str) -> ApplicationIdentifier:
    """The table entry for `code`; GS1Error naming the AI when it is unknown."""
    entry = AI_TABLE.get(code)
    if entry is None:
        raise fail(code, "AI không tồn tại trong bảng GS1", "unknown Application Identifier")
    return entry


def _bad_character_problem(
    ai: ApplicationIdentifier, component: Component, value: str, index: int, base: int | None
) -> GS1Problem:
    char = value[index]
    shown = repr(char) if char.isprintable() and char != " " else f"U+{ord(char):04X}"
    set_vi, set_en = _CHARSET_NAME[component.charset]
    vi = f"ký tự {shown} ở vị trí {index + 1} không thuộc {set_vi}"
    en = f"character {shown} at position {index + 1} is not in {set_en}"
    if component.charset == "X":
        suggestion = ascii_suggestion(value)
        if suggestion != value:
            vi += f"; gợi ý dạng ASCII: {suggestion!r}"
            en += f"; suggested ASCII form: {suggestion!r}"
    return problem(ai.code, vi, en, None if base is None else base + index)


def _shape_problems(ai: ApplicationIdentifier, value: str, base: int | None) -> list[GS1Problem]:
    """Why `value` does not match the AI's format (called only after a failed match)."""
    if not value:
        return [problem(ai.code, "giá trị rỗng", "value is empty", base)]
    if len(value) < ai.min_length:
        return [
            problem(
                ai.code,
                f"giá trị quá ngắn ({len(value)} ký tự, cần ít nhất {ai.min_length})",
                f"value is too short ({len(value)} characters, at least {ai.min_length})",
                base,
            )
        ]
    if len(value) > ai.max_length:
        return [
            problem(
                ai.code,
                f"giá trị quá dài ({len(value)} ký tự, tối đa {ai.max_length})",
                f"value is too long ({len(value)} characters, at most {ai.max_length})",
                base,
            )
        ]
    start = 0
    for component in ai.components:
        end = start + component.max_length
        bad = _CHARSET_CHARS[component.charset].search(value, start, min(end, len(value)))
        if bad is not None:
            return [_bad_character_problem(ai, component, value, bad.start(), base)]
        start = end
    return [problem(ai.code, "sai định dạng", "value does not match the AI's format", base)]


def _lint(ai: ApplicationIdentifier, value: str, base: int | None) -> list[GS1Problem]:
    problems: list[GS1Problem] = []
    start = 0
    for component in ai.components:
        if start >= len(value):
            break
        if component.min_length == component.max_length:
            part = value[start : start + component.max_length]
        else:
            part = value[start:]
        for name in component.linters:
            linter: Linter = LINTERS[name]
            finding = linter(part)
            if finding is not None:
                offset, vi, en = finding
                position = None if base is None else base + start + offset
                problems.append(problem(ai.code, vi, en, position))
                break
        start += len(part)
    return problems


def value_problems(
    ai: ApplicationIdentifier, value: str, position: int | None = None
) -> list[GS1Problem]:
    """Everything wrong with `value` as data of `ai` (`position`: where the value starts)."""
    if ai.pattern.fullmatch(value) is None:
        return _shape_problems(ai, value, position)
    return _lint(ai, value, position)


def validate_ai_value(ai: str, value: str) -> None:
    """Raise GS1Error (naming the AI) unless `value` is valid data for AI `ai`."""
    problems = value_problems(lookup_ai(ai), value)
    if problems:
        raise GS1Error(problems)


def match_ai_code(text: str, start: int = 0) -> ApplicationIdentifier | None:
    """The AI whose code begins at `start` (GS1 AIs are prefix-free)."""
    for length in AI_CODE_LENGTHS:
        entry = AI_TABLE.get(text[start : start + length])
        if entry is not None:
            return entry
    return None
