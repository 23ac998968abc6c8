"""Stream several ReportLab PDFs into one PDF without holding them all in memory.

ReportLab builds a whole document in memory before writing it, so long print runs
are rendered as many small PDFs and joined here: objects are copied as they come,
renumbered, and only the page list is kept until the end.
"""

from __future__ import annotations

import re
from typing import BinaryIO

_OBJECT_START = re.compile(rb"(\d+) 0 obj\b")
_REFERENCE = re.compile(rb"(\d+) 0 R\b")
_ROOT = re.compile(rb"/Root (\d+) 0 R")
_INFO = re.compile(rb"/Info (\d+) 0 R")
_PAGES_OF_CATALOG = re.compile(rb"/Pages (\d+) 0 R")
_STARTXREF = re.compile(rb"startxref\s+(\d+)")
_CATALOG_NUMBER = 1
_PAGES_NUMBER = 2


class PdfConcatenator:
    """Append the pages of self-contained PDFs (as written by ReportLab) to one output."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._offsets: dict[int, int] = {}
        self._next_number = _PAGES_NUMBER + 1
        self._pages: list[int] = []
        self._position = 0
        self._write(b"%PDF-1.4\n%\x93\x8c\x8b\x9e\n")

    def _write(self, data: bytes) -> None:
        self._out.write(data)
        self._position += len(data)

    def append(self, pdf: bytes) -> None:
        objects = _objects(pdf)
        trailer = pdf[pdf.rindex(b"trailer") :]
        root = _number(_ROOT, trailer)
        pages_root = _number(_PAGES_OF_CATALOG, objects[root])
        skipped = {root, pages_root}
        if info := _INFO.search(trailer):
            skipped.add(int(info[1]))
        renumbered = {old: self._allocate() for old in sorted(objects) if old not in skipped}
        renumbered[pages_root] = _PAGES_NUMBER

        def new_reference(match: re.Match[bytes]) -> bytes:
            return b"%d 0 R" % renumbered[int(match[1])]

        for old, body in sorted(objects.items()):
            if old in skipped:
                continue
            head, stream_marker, rest = body.partition(b"stream\n")
            head = _REFERENCE.sub(new_reference, head)
            if b"/Type /Page\n" in head or b"/Type /Page " in head:
                self._pages.append(renumbered[old])
            new = renumbered[old]
            self._offsets[new] = self._position
            self._write(b"%d 0 obj" % new + head + stream_marker + rest)

    def _allocate(self) -> int:
        number = self._next_number
        self._next_number += 1
        return number

    def close(self) -> None:
        """Write the page tree, catalog, cross-reference table and trailer."""
        kids = b" ".join(b"%d 0 R" % page for page in self._pages)
        self._offsets[_PAGES_NUMBER] = self._position
        self._write(
            b"%d 0 obj\n<< /Type /Pages /Count %d /Kids [ %s ] >>\nendobj\n"
            % (_PAGES_NUMBER, len(self._pages), kids)
        )
        self._offsets[_CATALOG_NUMBER] = self._position
        self._write(
            b"%d 0 obj\n<< /Type /Catalog /Pages %d 0 R >>\nendobj\n"
            % (_CATALOG_NUMBER, _PAGES_NUMBER)
        )
        xref_at = self._position
        size = self._next_number
        lines = [b"xref\n0 %d\n" % size, b"0000000000 65535 f \n"]
        lines.extend(
            b"%010d 00000 n \n" % self._offsets[number]
            if number in self._offsets
            else b"0000000000 65535 f \n"
            for number in range(1, size)
        )
        self._write(b"".join(lines))
        self._write(
            b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (size, _CATALOG_NUMBER, xref_at)
        )

    @property
    def page_count(self) -> int:
        return len(self._pages)


def _number(pattern: re.Pattern[bytes], data: bytes) -> int:
    match = pattern.search(data)
    if match is None:
        raise ValueError("not a PDF written by ReportLab")
    return int(match[1])


def _objects(pdf: bytes) -> dict[int, bytes]:
    """Object number -> bytes after "N 0 obj" up to and including "endobj\\n".

    Offsets come from the cross-reference table, so binary stream data is never scanned.
    """
    xref_at = _number(_STARTXREF, pdf[-64:])
    xref = pdf[xref_at : pdf.index(b"trailer", xref_at)].split(b"\n")
    first, count = (int(part) for part in xref[1].split())
    starts: dict[int, int] = {}
    for index, line in enumerate(xref[2 : 2 + count]):
        offset_text, _, kind = line.strip().split(b" ")
        if kind == b"n" and first + index != 0:
            starts[first + index] = int(offset_text)
    ordered = sorted(starts.values())
    end_of = dict(zip(ordered, [*ordered[1:], xref_at], strict=True))
    objects = {}
    for number, start in starts.items():
        header = _OBJECT_START.match(pdf, start)
        if header is None or int(header[1]) != number:
            raise ValueError("cross-reference table does not match the objects")
        objects[number] = pdf[header.end() : end_of[start]]
    return objects
