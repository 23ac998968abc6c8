"""Where labels go on paper: A4 sheets N-up, or a roll with one label per page."""

from __future__ import annotations

import re
from dataclasses import dataclass

from labels.errors import LabelError
from labels.layout import LabelSize

A4_MM = (210.0, 297.0)  # ISO 216
DEFAULT_SHEET_MARGIN_MM = 5.0
DEFAULT_SHEET_GAP_MM = 2.0


@dataclass(frozen=True, slots=True)
class SheetLayout:
    name: str
    page_width: float
    page_height: float
    columns: int
    rows: int
    label: LabelSize
    margin_left: float = 0.0
    margin_top: float = 0.0
    gap_x: float = 0.0
    gap_y: float = 0.0

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def slot_top_left(self, slot: int) -> tuple[float, float]:
        """Top-left corner (mm from the page's top-left) of the slot-th label on a page."""
        row, column = divmod(slot, self.columns)
        return (
            self.margin_left + column * (self.label.width + self.gap_x),
            self.margin_top + row * (self.label.height + self.gap_y),
        )

    @classmethod
    def a4(
        cls,
        columns: int,
        rows: int,
        *,
        margin_mm: float = DEFAULT_SHEET_MARGIN_MM,
        gap_mm: float = DEFAULT_SHEET_GAP_MM,
    ) -> SheetLayout:
        name = f"a4-{columns}x{rows}"
        if columns < 1 or rows < 1:
            raise _bad_layout(name)
        width, height = A4_MM
        label = LabelSize(
            (width - 2 * margin_mm - (columns - 1) * gap_mm) / columns,
            (height - 2 * margin_mm - (rows - 1) * gap_mm) / rows,
        )
        try:
            label.printable()
        except LabelError as error:
            raise _layout_error(name, error) from error
        return cls(
            name, width, height, columns, rows, label,
            margin_mm, margin_mm, gap_mm, gap_mm,
        )  # fmt: skip

    @classmethod
    def roll(cls, label: LabelSize) -> SheetLayout:
        return cls(f"roll-{label.name}", label.width, label.height, 1, 1, label)

    @classmethod
    def parse(
        cls,
        name: str,
        *,
        margin_mm: float = DEFAULT_SHEET_MARGIN_MM,
        gap_mm: float = DEFAULT_SHEET_GAP_MM,
    ) -> SheetLayout:
        """ "a4-3x7" (3 columns x 7 rows on A4) or "roll-50x30" (one 50x30 mm label a page)."""
        text = name.strip().lower()
        if match := re.fullmatch(r"a4-(\d{1,2})x(\d{1,2})", text):
            return cls.a4(int(match[1]), int(match[2]), margin_mm=margin_mm, gap_mm=gap_mm)
        if text.startswith("roll-"):
            try:
                return cls.roll(LabelSize.parse(text.removeprefix("roll-")))
            except LabelError as error:
                raise _layout_error(text, error) from error
        raise _bad_layout(name)


def _bad_layout(name: str) -> LabelError:
    return LabelError(
        f"Bố cục {name!r} không hợp lệ; dùng dạng a4-3x7 (cột x hàng) hoặc roll-50x30 (mm).",
        f"Layout {name!r} is not valid; use a4-3x7 (columns x rows) or roll-50x30 (mm).",
        field="layout",
    )


def _layout_error(name: str, error: LabelError) -> LabelError:
    return LabelError(
        f"Bố cục {name!r}: {error.message_vi}",
        f"Layout {name!r}: {error.message_en}",
        field="layout",
    )
