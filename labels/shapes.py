"""Plain vector shapes in millimetres, origin top-left, y downwards (as in SVG)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

Anchor = Literal["start", "middle", "end"]
Face = Literal["sans", "cjk"]


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class Text:
    x: float
    baseline: float
    text: str
    size: float
    """Font size (em height) in millimetres."""
    anchor: Anchor = "start"
    bold: bool = False
    face: Face = "sans"
    """"cjk" for Chinese text (labels/fonts.py picks the font)."""


@dataclass(frozen=True, slots=True)
class Polygon:
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class ModuleGrid:
    """Dark modules of a 2D symbol as runs in module units; kept whole so renderers can
    write one compact operator per run instead of a rectangle in millimetres."""

    x: float
    y: float
    module: float
    """Module size (X-dimension) in millimetres."""
    runs: tuple[tuple[int, int, int], ...]
    """(row, first column, length) of each horizontal run of dark modules."""


@dataclass(frozen=True, slots=True)
class LabelWarning:
    """Printable but below a recommendation; returned to the caller, never printed."""

    code: str
    message_vi: str
    message_en: str


@dataclass
class Drawing:
    width: float
    height: float
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    polygons: list[Polygon] = field(default_factory=list)
    grids: list[ModuleGrid] = field(default_factory=list)
    warnings: list[LabelWarning] = field(default_factory=list)

    def place(self, other: Drawing, x: float, y: float) -> None:
        """Copy `other` into this drawing with its top-left corner at (x, y)."""
        self.rects.extend(Rect(r.x + x, r.y + y, r.width, r.height) for r in other.rects)
        self.texts.extend(replace(t, x=t.x + x, baseline=t.baseline + y) for t in other.texts)
        self.polygons.extend(
            Polygon(tuple((px + x, py + y) for px, py in p.points)) for p in other.polygons
        )
        self.grids.extend(ModuleGrid(g.x + x, g.y + y, g.module, g.runs) for g in other.grids)
        self.warnings.extend(other.warnings)
