"""Bar charts drawn on the server: one geometry, rendered as SVG for pages and as a
reportlab Drawing for the PDF report, so both show the same picture."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BAR_COLOUR = "#0b6e4f"
AXIS_COLOUR = "#5b6b70"
TEXT_COLOUR = "#1b2a2f"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    """Vertical bars (one per label) or, with `horizontal`, one row per label."""

    chart_id: str
    title: str
    description: str
    labels: Sequence[str]
    values: Sequence[float]
    horizontal: bool = False
    width: float = 560
    value_format: Callable[[float], str] = str
    empty_note: str = "Không có dữ liệu"

    @property
    def empty(self) -> bool:
        """Nothing to draw: no groups, or every value zero."""
        return not any(self.values)

    @property
    def height(self) -> float:
        return 40 + 22 * len(self.labels) if self.horizontal else 240

    @property
    def plot(self) -> tuple[float, float, float, float]:
        """Left, top, width, height of the plotting area."""
        if self.horizontal:
            return 170, 30, self.width - 170 - 70, self.height - 40
        return 50, 42, self.width - 60, self.height - 82

    def bars(self) -> list[Bar]:
        left, top, width, height = self.plot
        peak = max((v for v in self.values), default=0) or 1
        count = max(len(self.values), 1)
        bars = []
        for index, (label, value) in enumerate(zip(self.labels, self.values, strict=True)):
            if self.horizontal:
                slot = height / count
                length = width * value / peak
                bars.append(Bar(label, value, left, top + index * slot + 3, length, slot - 6))
            else:
                slot = width / count
                bar_height = height * value / peak
                bar_width = min(slot * 0.7, 60)
                x = left + index * slot + (slot - bar_width) / 2
                bars.append(Bar(label, value, x, top + height - bar_height, bar_width, bar_height))
        return bars

    def svg(self) -> Markup:
        title_id, desc_id = f"{self.chart_id}-title", f"{self.chart_id}-desc"
        parts = [
            f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
            f'viewBox="0 0 {self.width:.0f} {self.height:.0f}" '
            f'aria-labelledby="{title_id} {desc_id}">',
            f'<title id="{title_id}">{escape(self.title)}</title>',
            f'<desc id="{desc_id}">{escape(self.description)}</desc>',
            f'<text x="0" y="16" font-size="14" font-weight="bold" fill="{TEXT_COLOUR}">'
            f"{escape(self.title)}</text>",
        ]
        left, top, width, height = self.plot
        if self.horizontal:
            parts.append(_line(left, top, left, top + height))
        else:
            parts.append(_line(left, top + height, left + width, top + height))
        for bar in self.bars():
            value = escape(self.value_format(bar.value))
            parts.append(
                f'<rect x="{bar.x:.1f}" y="{bar.y:.1f}" width="{bar.width:.1f}" '
                f'height="{bar.height:.1f}" fill="{BAR_COLOUR}"><title>{escape(bar.label)}: '
                f"{value}</title></rect>"
            )
            if self.horizontal:
                middle = bar.y + bar.height / 2 + 4
                parts.append(_text(left - 6, middle, bar.label, anchor="end"))
                parts.append(_text(bar.x + bar.width + 4, middle, self.value_format(bar.value)))
            else:
                centre = bar.x + bar.width / 2
                parts.append(_text(centre, top + height + 16, bar.label, anchor="middle"))
                parts.append(
                    _text(centre, bar.y - 4, self.value_format(bar.value), anchor="middle")
                )
        if self.empty:
            centre_x, centre_y = left + width / 2, top + height / 2
            parts.append(_text(centre_x, centre_y, self.empty_note, anchor="middle"))
        parts.append("</svg>")
        return Markup("".join(parts))


def _line(x1: float, y1: float, x2: float, y2: float) -> str:
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
        f'stroke="{AXIS_COLOUR}" stroke-width="1"/>'
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="11" text-anchor="{anchor}" '
        f'fill="{TEXT_COLOUR}">{escape(text)}</text>'
    )
