"""GS1 Digital Link URIs (GS1 Digital Link URI Syntax 1.4): parse, validate, build.

Parsing follows the GS1 Syntax Engine's strict reading: the rightmost primary key in
the path wins (any domain and path stem before it), key qualifiers in their fixed
order, data attributes only in the query, no duplicates, unknown numeric query keys
rejected and other query parameters (linkType, context ...) kept aside.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from itertools import combinations
from urllib.parse import quote, unquote_to_bytes

from registry.gs1.ai import AI_TABLE, ApplicationIdentifier, value_problems
from registry.gs1.associations import association_problems
from registry.gs1.element_string import Element, format_parenthesised, parse_element_string
from registry.gs1.errors import GS1Error, GS1Problem, fail, problem

CANONICAL_BASE = "https://id.gs1.org"

# RFC 3986 §2: characters that may appear in a URI at all (the engine rejects others).
_URI_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
_NOT_URI_CHARACTER = re.compile(r"[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]")
_BAD_DOMAIN_CHARACTER = re.compile(r"[_~?#@!$&'()*+,;=%]")
# RFC 3986 §2.3 unreserved characters: never percent-encoded in the output.
_UNRESERVED = re.compile(r"[A-Za-z0-9\-._~]*")
# Sub-delimiters and ':' '/' '@' may stay literal in a query value (RFC 3986 §3.4),
# so linkType=gs1:pip or a full https://ref.gs1.org/voc/pip passes on unchanged.
_OTHER_PARAM_SAFE = ":/@!$'()*,;"
_STRICT_SCHEMES = ("https://", "http://", "HTTPS://", "HTTP://")
_GTIN_SHORT_LENGTHS = (8, 12, 13)

# Lenient fixes a resolver should answer with a redirect to the strict form.
FIX_TRAILING_SLASH = "trailing_slash"
FIX_GTIN_ZERO_PADDED = "gtin_zero_padded"
FIX_SCHEME_CASE = "scheme_case"


def _path_sequences() -> frozenset[tuple[str, ...]]:
    sequences: set[tuple[str, ...]] = set()
    for code, entry in AI_TABLE.items():
        if entry.dl_role != "primary":
            continue
        sequences.add((code,))
        for alternative in entry.qualifier_sequences:
            for size in range(1, len(alternative) + 1):
                for chosen in combinations(alternative, size):
                    sequences.add((code, *chosen))
    return frozenset(sequences)


VALID_PATH_SEQUENCES = _path_sequences()
_QUALIFIERS_OF: dict[str, frozenset[str]] = {
    code: frozenset(q for alternative in entry.qualifier_sequences for q in alternative)
    for code, entry in AI_TABLE.items()
    if entry.dl_role == "primary"
}


def _encode(value: str) -> str:
    if _UNRESERVED.fullmatch(value):
        return value
    return quote(value, safe="")


def _decode(raw: str, *, query: bool) -> str | None:
    """Percent-decoded text, or None when it holds a NUL."""
    if query and "+" in raw:
        raw = raw.replace("+", " ")
    if "%" not in raw:
        return raw
    data = unquote_to_bytes(raw)
    if b"\x00" in data:
        return None
    return data.decode("utf-8", "replace")


@dataclass(frozen=True)
class DigitalLink:
    base: str
    """Scheme, host and path stem before the primary key: "https://host[/stem]"."""
    primary: Element
    qualifiers: tuple[Element, ...] = ()
    attributes: tuple[Element, ...] = ()
    """GS1 data attributes from the query string, in the order received."""
    other_params: tuple[tuple[str, str], ...] = ()
    """Query parameters that are not AIs (linkType, context ...), decoded."""

    def elements(self) -> list[Element]:
        """Primary key, qualifiers, then attributes: the element-string order."""
        return [self.primary, *self.qualifiers, *self.attributes]

    def element_string(self) -> str:
        return format_parenthesised(self.elements())

    def canonical(self) -> str:
        """The canonical form on id.gs1.org (other query parameters dropped)."""
        return self.uri(CANONICAL_BASE)

    def key_path(self, depth: int | None = None) -> str:
        """`/{primary}/{key}[/{qualifier}/{value}]...`, cut to the first `depth` qualifiers."""
        paths = self._key_paths
        return paths[-1] if depth is None else paths[min(depth, len(paths) - 1)]

    @functools.cached_property
    def _key_paths(self) -> tuple[str, ...]:
        # A resolution asks for these several times (links, anchors, headers).
        path = f"/{self.primary[0]}/{_encode(self.primary[1])}"
        paths = [path]
        for code, value in self.qualifiers:
            path += f"/{code}/{_encode(value)}"
            paths.append(path)
        return tuple(paths)

    def uri(self, base: str | None = None, *, include_other_params: bool = False) -> str:
        """This link on its own base or another one ("https://host[/stem]").

        Attributes follow the GS1 Syntax Engine: predefined-length AIs first, then the
        others, each group in the order received.
        """
        stem = (self.base if base is None else base).rstrip("/")
        parts = [stem, self.key_path()]
        fixed = [e for e in self.attributes if AI_TABLE[e[0]].fixed_length]
        variable = [e for e in self.attributes if not AI_TABLE[e[0]].fixed_length]
        query = [f"{code}={_encode(value)}" for code, value in (*fixed, *variable)]
        if include_other_params:
            query.extend(
                f"{name}={quote(value, safe=_OTHER_PARAM_SAFE)}" if value else name
                for name, value in self.other_params
            )
        if query:
            parts.append("?")
            parts.append("&".join(query))
        return "".join(parts)


@dataclass(frozen=True)
class LenientResult:
    """A Digital Link read leniently, and what had to be fixed to read it."""

    link: DigitalLink
    fixes: tuple[str, ...] = ()

    @property
    def canonical_path_needed(self) -> bool:
        """True when the resolver should redirect to `strict_uri`."""
        return bool(self.fixes)

    @property
    def strict_uri(self) -> str:
        """The same request in strict form, on the same host, query parameters kept."""
        return self.link.uri(include_other_params=True)


def _split_scheme(uri: str, *, lenient: bool, fixes: list[str]) -> tuple[str, str]:
    for scheme in _STRICT_SCHEMES:
        if uri.startswith(scheme):
            return scheme.lower(), uri[len(scheme) :]
    if lenient:
        for scheme in _STRICT_SCHEMES[:2]:
            if uri[: len(scheme)].lower() == scheme:
                fixes.append(FIX_SCHEME_CASE)
                return scheme, uri[len(scheme) :]
    raise fail(
        None,
        "URI phải bắt đầu bằng http:// hoặc https://",
        "the URI must start with http:// or https://",
        0,
    )


def _parse(uri: str, *, lenient: bool) -> LenientResult:
    if _URI_CHARACTERS.fullmatch(uri) is None:
        bad = _NOT_URI_CHARACTER.search(uri)
        assert bad is not None
        char = bad.group()
        raise fail(
            None,
            f"URI chứa ký tự không hợp lệ {char!r} ở vị trí {bad.start() + 1} (cần mã hoá %)",
            f"URI contains illegal character {char!r} at position {bad.start() + 1}"
            " (needs percent-encoding)",
            bad.start(),
        )
    fixes: list[str] = []
    scheme, rest = _split_scheme(uri, lenient=lenient, fixes=fixes)
    slash = rest.find("/")
    if slash < 1:
        raise fail(None, "URI thiếu tên miền hoặc đường dẫn", "the URI lacks a domain or a path")
    domain = rest[:slash]
    if _BAD_DOMAIN_CHARACTER.search(domain):
        raise fail(None, "tên miền chứa ký tự không hợp lệ", "the domain has illegal characters")
    path_offset = len(uri) - len(rest) + slash
    path = rest[slash:]
    hash_at = path.find("#")
    if hash_at != -1:
        path = path[:hash_at]
    query = ""
    question = path.find("?")
    if question != -1:
        path, query = path[:question], path[question + 1 :]
    if lenient and len(path) > 1 and path.endswith("/") and not path.endswith("//"):
        path = path[:-1]
        fixes.append(FIX_TRAILING_SLASH)

    segments = path.split("/")
    root = -1
    index = len(segments) - 2
    while index >= 1:
        entry = AI_TABLE.get(segments[index])
        if entry is None:
            break
        if entry.dl_role == "primary":
            root = index
            break
        index -= 2
    if root == -1:
        raise _no_primary_key(path)

    problems: list[GS1Problem] = []
    path_elements: list[Element] = []
    position = path_offset + sum(len(s) + 1 for s in segments[: root + 1])
    for index in range(root, len(segments), 2):
        code, raw = segments[index], segments[index + 1]
        entry = AI_TABLE[code]
        if index > root:
            position += len(segments[index - 1]) + len(code) + 2
        if not raw:
            raise fail(
                code, "giá trị trong đường dẫn bị rỗng", "value path element is empty", position
            )
        value = _decode(raw, query=False)
        if value is None:
            raise fail(code, "giá trị chứa ký tự NUL (%00)", "value contains a NUL (%00)", position)
        short_gtin = (
            code == "01"
            and len(value) in _GTIN_SHORT_LENGTHS
            and value.isascii()
            and value.isdigit()
        )
        if short_gtin and lenient:
            value = value.zfill(14)
            fixes.append(FIX_GTIN_ZERO_PADDED)
        elif short_gtin:
            problems.append(_short_gtin_problem(value, position))
        if not short_gtin or lenient:
            problems.extend(value_problems(entry, value, position))
        path_elements.append((code, value))

    path_codes = tuple(code for code, _ in path_elements)
    if path_codes not in VALID_PATH_SEQUENCES:
        raise GS1Error([*problems, _sequence_problem(path_codes)])

    query_offset = len(uri) - len(rest) + slash + question + 1
    attributes, other_params = _parse_query(query, query_offset, path_codes, problems)
    codes = [*path_codes, *(code for code, _ in attributes)]
    problems.extend(association_problems(codes))
    if problems:
        raise GS1Error(problems)
    link = DigitalLink(
        base=scheme + rest[:slash] + "/".join(segments[:root]),
        primary=path_elements[0],
        qualifiers=tuple(path_elements[1:]),
        attributes=tuple(attributes),
        other_params=tuple(other_params),
    )
    return LenientResult(link=link, fixes=tuple(fixes))


def _no_primary_key(path: str) -> GS1Error:
    vi = "không tìm thấy khoá chính GS1 trong đường dẫn"
    en = "no GS1 Digital Link primary key found in the path"
    if "//" in path:
        vi += " (đường dẫn có đoạn rỗng '//')"
        en += " (the path has an empty segment '//')"
    elif path.endswith("/"):
        vi += " (đường dẫn không được kết thúc bằng '/')"
        en += " (the path must not end with '/')"
    return fail(None, vi, en)


def _sequence_problem(path_codes: tuple[str, ...]) -> GS1Problem:
    """Name the first AI after which the path stops being key + ordered qualifiers."""
    culprit = next(
        code
        for size, code in enumerate(path_codes, start=1)
        if path_codes[:size] not in VALID_PATH_SEQUENCES
    )
    allowed = " | ".join(",".join(alt) for alt in AI_TABLE[path_codes[0]].qualifier_sequences)
    vi = (
        f"không được đứng ở vị trí này sau khoá ({path_codes[0]}); định danh bổ sung cho phép,"
        f" theo thứ tự: {allowed or 'không có'}; thuộc tính dữ liệu phải ở chuỗi truy vấn"
    )
    en = (
        f"not valid at this point of the path after key ({path_codes[0]}); allowed qualifiers,"
        f" in order: {allowed or 'none'}; data attributes go in the query string"
    )
    return problem(culprit, vi, en)


def _short_gtin_problem(value: str, position: int) -> GS1Problem:
    padded = value.zfill(14)
    return problem(
        "01",
        f"GTIN trong Digital Link phải đủ 14 chữ số (thêm số 0 ở đầu: {padded})",
        f"a GTIN in a Digital Link must have 14 digits (pad with zeros: {padded})",
        position,
    )


def _attribute_problem(
    entry: ApplicationIdentifier, path_codes: tuple[str, ...]
) -> GS1Problem | None:
    code = entry.code
    if not entry.dl_attribute:
        return problem(
            code,
            "không được dùng làm thuộc tính dữ liệu trong chuỗi truy vấn",
            "not a valid Digital Link data attribute",
        )
    if code in _QUALIFIERS_OF.get(path_codes[0], frozenset()):
        for position in range(1, len(path_codes) + 1):
            trial = (*path_codes[:position], code, *path_codes[position:])
            if trial in VALID_PATH_SEQUENCES:
                return problem(
                    code,
                    "định danh bổ sung phải nằm trong đường dẫn, không ở chuỗi truy vấn",
                    "a key qualifier belongs in the path, not in the query string",
                )
    return None


def _parse_query(
    query: str, offset: int, path_codes: tuple[str, ...], problems: list[GS1Problem]
) -> tuple[list[Element], list[tuple[str, str]]]:
    attributes: list[Element] = []
    other_params: list[tuple[str, str]] = []
    if not query:
        return attributes, other_params
    seen = set(path_codes)
    for parameter in query.split("&"):
        start = offset
        offset += len(parameter) + 1
        if not parameter:
            continue
        name, equals, raw = parameter.partition("=")
        if not name:
            # GS1's syntax engine refuses `?=1`: a parameter must have a name.
            vi, en = "tham số truy vấn không có tên", "a query parameter has no name"
            problems.append(problem(None, vi, en, start))
            continue
        if not (name.isascii() and name.isdigit()) or not equals:
            other_params.append((name, _decode(raw, query=True) or ""))
            continue
        entry = AI_TABLE.get(name)
        if entry is None:
            raise fail(
                name, "AI không tồn tại (tham số truy vấn)", "unknown AI in the query string", start
            )
        value_start = start + len(name) + 1
        value = _decode(raw, query=True)
        if not raw:
            problems.append(problem(name, "giá trị rỗng", "value is empty", value_start))
        elif value is None:
            problems.append(
                problem(name, "giá trị chứa ký tự NUL (%00)", "NUL (%00) in value", start)
            )
        elif name in seen:
            problems.append(problem(name, "xuất hiện nhiều lần", "appears more than once", start))
        else:
            seen.add(name)
            misplaced = _attribute_problem(entry, path_codes)
            if misplaced is None:
                problems.extend(value_problems(entry, value, value_start if raw == value else None))
                attributes.append((name, value))
            else:
                problems.append(misplaced)
    return attributes, other_params


def parse_digital_link(uri: str, *, lenient: bool = False) -> DigitalLink:
    """A validated Digital Link; GS1Error naming the AI otherwise.

    Strict by default. `lenient=True` also reads a GTIN-8/12/13 after /01/ (zero-padded
    to 14 digits), one trailing slash and a mixed-case scheme; see
    `parse_digital_link_lenient` to learn whether a redirect is due.
    """
    return _parse(uri, lenient=lenient).link


def parse_digital_link_lenient(uri: str) -> LenientResult:
    """Read leniently and say what was fixed, so a resolver can redirect to the strict form."""
    return _parse(uri, lenient=True)


def _check_base(base: str) -> str:
    base = base.rstrip("/")
    for scheme in ("https://", "http://"):
        if base.startswith(scheme) and len(base) > len(scheme):
            host = base[len(scheme) :].split("/", 1)[0]
            if host and not _BAD_DOMAIN_CHARACTER.search(host):
                return base
    raise fail(
        None,
        f"địa chỉ gốc không hợp lệ: {base!r} (cần https://tên-miền[/đường-dẫn])",
        f"invalid base {base!r} (expected https://host[/stem])",
    )


def build_digital_link(base: str, elements: list[Element]) -> str:
    """The Digital Link of `elements` on `base`: primary key and its qualifiers in the
    path in their fixed order, data attributes in the query. GS1Error if invalid."""
    base = _check_base(base)
    primary_index = next(
        (i for i, (code, _) in enumerate(elements) if code in _QUALIFIERS_OF), None
    )
    if primary_index is None:
        raise fail(
            None,
            "không thể tạo Digital Link khi không có AI khoá chính",
            "cannot create a Digital Link without a primary key AI",
        )
    primary = elements[primary_index]
    entry = AI_TABLE[primary[0]]
    present = {code for code, _ in elements}
    best: tuple[str, ...] = ()
    for alternative in entry.qualifier_sequences:
        if sum(q in present for q in alternative) > sum(q in present for q in best):
            best = alternative
    qualifiers: list[Element] = []
    used = {primary_index}
    for qualifier in best:
        for i, element in enumerate(elements):
            if element[0] == qualifier and i not in used:
                qualifiers.append(element)
                used.add(i)
                break
    attributes = [element for i, element in enumerate(elements) if i not in used]
    uri = DigitalLink(base, primary, tuple(qualifiers), tuple(attributes)).uri()
    parse_digital_link(uri)
    return uri


def digital_link_from_element_string(base: str, text: str) -> str:
    """The Digital Link on `base` for an element string (raw or parenthesised)."""
    return build_digital_link(base, parse_element_string(text))
