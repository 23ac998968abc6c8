"""Fitting text into a box: wrap at words, shrink until it fits, never overflow."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from labels.fonts import text_width
from labels.shapes import Face, Text

LINE_SPACING = 1.18
SHRINK_STEP = 0.92
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    size: float
    """Preferred font size in millimetres, before shrinking."""
    bold: bool = False
    max_lines: int = 3
    face: Face = "sans"


def wrap(
    text: str, width: float, size: float, *, bold: bool = False, face: Face = "sans"
) -> list[str]:
    """Greedy word wrap; a word wider than the box (or a run of Chinese, which has no
    spaces) is broken between characters."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size, bold=bold, face=face) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for char in word:
            if current and text_width(current + char, size, bold=bold, face=face) > width:
                lines.append(current)
                current = ""
            current += char
    if current:
        lines.append(current)
    return lines


def _clip_line(line: str, width: float, size: float, *, bold: bool, face: Face = "sans") -> str:
    while line and text_width(line + ELLIPSIS, size, bold=bold, face=face) > width:
        line = line[:-1]
    return line.rstrip() + ELLIPSIS


def fit_paragraphs(
    paragraphs: Sequence[Paragraph],
    *,
    x: float,
    top: float,
    width: float,
    height: float,
    min_size: float,
) -> list[Text]:
    """Lay paragraphs top-down inside the box, shrinking all sizes together until they fit.

    At the smallest size lines past a paragraph's `max_lines` or the box bottom are cut
    and the last shown line ends with an ellipsis.
    """
    texts, _ = _shrink_to_fit(paragraphs, x, top, width, height, min_size)
    return texts


def fit_whole(
    paragraphs: Sequence[Paragraph],
    *,
    x: float,
    top: float,
    width: float,
    height: float,
    min_size: float,
) -> list[Text] | None:
    """Like `fit_paragraphs`, for text that must not be cut: None if even at the smallest
    size some line would be left out or clipped."""
    texts, fits = _shrink_to_fit(paragraphs, x, top, width, height, min_size)
    return texts if fits else None


def _shrink_to_fit(
    paragraphs: Sequence[Paragraph],
    x: float,
    top: float,
    width: float,
    height: float,
    min_size: float,
) -> tuple[list[Text], bool]:
    """The layout at the first size (all shrunk together) where it fits, or at the
    smallest size; and whether it fits."""
    scale = 1.0
    while True:
        texts, fits = _lay_out(paragraphs, x, top, width, height, scale, min_size)
        if fits or min(p.size for p in paragraphs) * scale <= min_size:
            return texts, fits
        scale *= SHRINK_STEP


def _lay_out(
    paragraphs: Sequence[Paragraph],
    x: float,
    top: float,
    width: float,
    height: float,
    scale: float,
    min_size: float,
) -> tuple[list[Text], bool]:
    texts: list[Text] = []
    fits = True
    cursor = top
    for paragraph in paragraphs:
        size = max(min_size, paragraph.size * scale)
        lines = wrap(paragraph.text, width, size, bold=paragraph.bold, face=paragraph.face)
        if len(lines) > paragraph.max_lines:
            fits = False
            lines = lines[: paragraph.max_lines]
            lines[-1] = _clip_line(lines[-1], width, size, bold=paragraph.bold, face=paragraph.face)
        for line in lines:
            baseline = cursor + size * 0.95
            if baseline + size * 0.25 > top + height:
                fits = False
                if texts:
                    last = texts[-1]
                    clipped = _clip_line(
                        last.text, width, last.size, bold=last.bold, face=last.face
                    )
                    texts[-1] = replace(last, text=clipped)
                return texts, fits
            texts.append(Text(x, baseline, line, size, bold=paragraph.bold, face=paragraph.face))
            cursor += size * LINE_SPACING
    return texts, fits
