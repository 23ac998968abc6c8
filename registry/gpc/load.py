"""Reading a GPC XML publication (GS1's `schema` → segment → family → class → brick,
each with `code` and `text` attributes) as a stream, within limits.

GS1 publishes GPC as XML per language; the `gs1-gpc` package on PyPI reads the same
layout, but it parses with the standard library into its own SQLite/PostgreSQL tables
and fetches publications over the network, so the registry reads the file itself with
lxml's `iterparse`: entities are never resolved, nothing is fetched, a document type
declaration (the door to XXE and "billion laughs") is refused outright, and the size, the number of
entries and the length of every code and title are bounded. Only the four levels reach
Python: a full publication (about 50 MB, nine elements in ten attribute types and values)
reads in seconds with flat memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Final

from lxml import etree

from registry.errors import InvalidInput
from registry.gpc.models import GpcLevel

# A full English publication with attribute types and values is about 50 MB.
MAX_FILE_BYTES: Final = 100 * 1024 * 1024
MAX_CATEGORIES: Final = 50_000
MAX_TITLE_LENGTH: Final = 300
# GPC codes are eight digits at every level (GPC Standard, "Code structure").
CODE: Final = re.compile(r"[0-9]{8}")
_PARENT_LEVEL: Final = {
    GpcLevel.segment: None,
    GpcLevel.family: GpcLevel.segment,
    GpcLevel.class_: GpcLevel.family,
    GpcLevel.brick: GpcLevel.class_,
}
_LEVELS: Final = {level.value: level for level in GpcLevel}
_PROLOG_BYTES: Final = 64 * 1024


@dataclass(frozen=True)
class GpcEntry:
    code: str
    level: GpcLevel
    title: str
    parent_code: str | None


def _refuse(vi: str, en: str) -> InvalidInput:
    return InvalidInput(vi, en, field="file")


def _check_prolog(stream: IO[bytes]) -> None:
    head = stream.read(_PROLOG_BYTES)
    stream.seek(0)
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise _refuse(
            "Tệp GPC không được có khai báo DOCTYPE hay ENTITY.",
            "A GPC file may not carry a DOCTYPE or ENTITY declaration.",
        )


def _title(element: etree._Element, code: str) -> str:
    title = " ".join((element.get("text") or "").split())
    if not title or len(title) > MAX_TITLE_LENGTH:
        raise _refuse(
            f"Mục GPC {code} thiếu tên hoặc tên dài quá {MAX_TITLE_LENGTH} ký tự.",
            f"GPC entry {code} has no title or one longer than {MAX_TITLE_LENGTH} characters.",
        )
    return title


def _forget(element: etree._Element) -> None:
    """Drop a finished element and the siblings before it, so memory stays flat however
    long the file (iterparse otherwise keeps the whole tree)."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def read_gpc(stream: IO[bytes]) -> Iterator[GpcEntry]:
    """Each segment, family, class and brick of the publication, parents before children.

    `stream` must be seekable (a file, or an upload spooled to disk)."""
    size = stream.seek(0, 2)
    stream.seek(0)
    if size > MAX_FILE_BYTES:
        raise _refuse(
            f"Tệp quá lớn (tối đa {MAX_FILE_BYTES // 1024 // 1024} MB).",
            f"The file is too large ({MAX_FILE_BYTES // 1024 // 1024} MB at most).",
        )
    _check_prolog(stream)
    parser = etree.iterparse(
        stream,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        # Only the four levels reach Python; attribute types and values below a brick
        # (nine elements in ten of a full publication) are parsed in C and dropped with it.
        tag=("schema", *_LEVELS),
    )
    open_codes: list[tuple[GpcLevel, str]] = []
    elements = categories = 0
    seen: set[str] = set()
    try:
        for event, element in parser:
            if event == "end":
                if element.tag in _LEVELS:
                    open_codes.pop()
                    _forget(element)
                continue
            elements += 1
            if elements == 1:
                if element.getroottree().docinfo.doctype:
                    raise _refuse(
                        "Tệp GPC không được có khai báo DOCTYPE.",
                        "A GPC file may not carry a DOCTYPE declaration.",
                    )
                if element.tag != "schema":
                    raise _refuse(
                        "Đây không phải tệp GPC XML của GS1 (phần tử gốc phải là <schema>).",
                        "This is not a GS1 GPC XML file (the root element must be <schema>).",
                    )
                continue
            level = _LEVELS.get(element.tag) if isinstance(element.tag, str) else None
            if level is None:
                continue
            code = (element.get("code") or "").strip()
            if not CODE.fullmatch(code):
                raise _refuse(
                    f"Mã GPC phải có 8 chữ số: {code[:20]!r}.",
                    f"A GPC code must have 8 digits: {code[:20]!r}.",
                )
            parent = open_codes[-1] if open_codes else None
            expected = _PARENT_LEVEL[level]
            if (parent[0] if parent else None) != expected:
                raise _refuse(
                    f"Mục GPC {code} nằm sai cấp.",
                    f"GPC entry {code} is at the wrong level.",
                )
            open_codes.append((level, code))
            if code in seen:
                raise _refuse(
                    f"Mã GPC {code} xuất hiện hai lần.", f"GPC code {code} appears twice."
                )
            categories += 1
            if categories > MAX_CATEGORIES:
                raise _refuse(
                    f"Tệp có quá nhiều mục GPC (tối đa {MAX_CATEGORIES:,}).",
                    f"The file has too many GPC entries (at most {MAX_CATEGORIES:,}).",
                )
            seen.add(code)
            yield GpcEntry(code, level, _title(element, code), parent[1] if parent else None)
    except etree.XMLSyntaxError as exc:
        raise _refuse(
            f"Tệp không phải XML hợp lệ: {str(exc)[:200]}",
            f"The file is not well-formed XML: {str(exc)[:200]}",
        ) from exc
    if elements == 0:
        raise _refuse(
            "Đây không phải tệp GPC XML của GS1 (phần tử gốc phải là <schema>).",
            "This is not a GS1 GPC XML file (the root element must be <schema>).",
        )
