"""The product label: QR (Digital Link), optional EAN-13, Vietnamese text, OCOP stars.

A label is drawn in two parts so print runs can reuse the first: the static part
(everything shared by all labels of one lot) and the variable part (QR and serial).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Literal

from labels.encoding import EncoderName
from labels.errors import LabelError
from labels.export_layout import ExportMarks, export_static_drawing, export_variable_drawing
from labels.fonts import text_width
from labels.shapes import Drawing, Polygon, Text
from labels.symbols import EAN13_MAGNIFICATION_RANGE, ean13_drawing, ean13_x_mm, qr_drawing
from labels.symbols import EAN13_NOMINAL_SYMBOL_HEIGHT_MM as EAN13_HEIGHT
from labels.text_fit import Paragraph, fit_paragraphs
from registry.gs1 import GS1Error, validate_ai_value

CAPTION_VI = "Quét mã để truy xuất nguồn gốc"
CAPTION_EN = "Scan to trace"
OCOP_STAR_RANGE = (3, 5)
MIN_TEXT_SIZE_MM = 1.1  # about 3 pt, the smallest size still legible on thermal labels
EAN13_MODULES_WITH_QUIET_ZONES = 113
TEXT_SHARE_BESIDE_EAN13 = 0.3
MIN_QR_SHARE = 0.5
COMMON_SIZES_MM = ((50.0, 30.0), (40.0, 25.0), (70.0, 50.0))
# A label is a sticker, not a poster: below 15 mm a side no scannable QR fits, and above
# 200 mm the drawing (and a raster preview of it) grows without purpose.
LABEL_SIDE_RANGE_MM = (15.0, 200.0)


@dataclass(frozen=True, slots=True)
class LabelData:
    digital_link: str
    product_name: str
    producer_name: str = ""
    lot: str | None = None
    produced_on: date | None = None
    expires_on: date | None = None
    expiry_kind: Literal["expiry", "best_before"] = "expiry"
    gtin13: str | None = None
    ocop_stars: int | None = None
    serial: str | None = None
    export: ExportMarks | None = None
    """Set for an export label: its marks replace the product text (labels/export_layout.py)."""

    def static_key(self) -> LabelData:
        """The same label without what changes from one serialised label to the next."""
        return replace(self, digital_link="", serial=None)


@dataclass(frozen=True, slots=True)
class LabelSize:
    width: float
    height: float

    @classmethod
    def parse(cls, text: str) -> LabelSize:
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[x×]\s*(\d+(?:\.\d+)?)\s*(?:mm)?\s*", text)
        if not match:
            raise LabelError(
                f"Kích thước nhãn {text!r} không hợp lệ; viết dạng 50x30 (mm).",
                f"Label size {text!r} is not valid; write it as 50x30 (mm).",
                field="size",
            )
        return cls(float(match[1]), float(match[2])).printable()

    @property
    def name(self) -> str:
        return f"{self.width:g}x{self.height:g}"

    def printable(self, *, field: str = "size") -> LabelSize:
        """This size, if each side is within LABEL_SIDE_RANGE_MM; a LabelError naming it if not."""
        low, high = LABEL_SIDE_RANGE_MM
        if low <= self.width <= high and low <= self.height <= high:
            return self
        given = f"{self.width:.4g}x{self.height:.4g}"
        raise LabelError(
            f"Tem {given} mm: mỗi cạnh tem phải từ {low:g} đến {high:g} mm.",
            f"A {given} mm label: each side must be {low:g} to {high:g} mm.",
            field=field,
        )


@dataclass(frozen=True, slots=True)
class Box:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class Frame:
    """Where each part of a label goes, in label millimetres."""

    qr: Box
    serial_baseline: float
    text: Box
    ean13: Box | None
    ean13_magnification: float | None
    margin: float


def validate_label(data: LabelData) -> None:
    """Refuse data that must not be printed (lot and serial in GS1 CSET 82, stars 3–5)."""
    for ai, value, field in (("10", data.lot, "lot"), ("21", data.serial, "serial")):
        if value is None:
            continue
        try:
            validate_ai_value(ai, value)
        except GS1Error as error:
            raise LabelError(error.message_vi, error.message_en, field=field) from error
    if data.ocop_stars is not None and not (
        OCOP_STAR_RANGE[0] <= data.ocop_stars <= OCOP_STAR_RANGE[1]
    ):
        raise LabelError(
            f"Hạng OCOP phải từ {OCOP_STAR_RANGE[0]} đến {OCOP_STAR_RANGE[1]} sao.",
            f"OCOP ratings are {OCOP_STAR_RANGE[0]} to {OCOP_STAR_RANGE[1]} stars.",
            field="ocop_stars",
        )


@lru_cache(maxsize=64)
def plan_frame(size: LabelSize, *, with_ean13: bool) -> Frame:
    margin = max(1.2, 0.04 * min(size.width, size.height))
    serial_band = max(1.4, 0.06 * size.height)
    qr_side = min(size.height - 2 * margin - serial_band, 0.5 * size.width)
    ean13: Box | None = None
    magnification: float | None = None
    if with_ean13:
        magnification = _ean13_magnification(size.height - 2 * margin)
        ean_width = EAN13_MODULES_WITH_QUIET_ZONES * ean13_x_mm(magnification)
        ean_height = EAN13_HEIGHT * magnification / 100
        room_for_qr = size.width - 2.5 * margin - ean_width
        if room_for_qr < MIN_QR_SHARE * qr_side:
            raise _too_small_for_ean13(size)
        qr_side = min(qr_side, room_for_qr)
        ean13 = Box(
            size.width - margin - ean_width,
            size.height - margin - ean_height,
            ean_width,
            ean_height,
        )
    qr = Box(margin / 2, margin, qr_side, qr_side)
    column_x = qr.x + qr_side + margin / 2
    text = Box(column_x, margin, size.width - column_x - margin, size.height - 2 * margin)
    if ean13 is not None:
        text = replace(text, height=ean13.y - text.y - margin / 2)
    serial_baseline = qr.y + qr_side + serial_band * 0.8
    return Frame(qr, serial_baseline, text, ean13, magnification, margin)


def _ean13_magnification(height: float) -> float:
    """The largest magnification up to 100 % that leaves room for the product text."""
    low, high = EAN13_MAGNIFICATION_RANGE
    text_reserve = max(4.0, TEXT_SHARE_BESIDE_EAN13 * height)
    magnification = min(100.0, high, (height - text_reserve) / EAN13_HEIGHT * 100)
    if magnification < low:
        raise LabelError(
            f"Nhãn quá thấp để in mã EAN-13 ở độ phóng đại tối thiểu {low:g}% cùng thông tin.",
            f"The label is too short for an EAN-13 at the minimum {low:g}% plus the text.",
            field="size",
        )
    return math.floor(magnification)


def _too_small_for_ean13(size: LabelSize) -> LabelError:
    return LabelError(
        f"Nhãn {size.name} mm không đủ chỗ cho mã EAN-13 và thông tin sản phẩm.",
        f"A {size.name} mm label has no room for an EAN-13 and the product text.",
        field="size",
    )


def _format_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _paragraphs(data: LabelData, base: float) -> list[Paragraph]:
    paragraphs = [Paragraph(data.product_name, base * 1.25, bold=True, max_lines=3)]
    if data.lot:
        paragraphs.append(Paragraph(f"Lô/Lot: {data.lot}", base, max_lines=1))
    if data.produced_on:
        paragraphs.append(
            Paragraph(f"NSX/MFD: {_format_date(data.produced_on)}", base, max_lines=1)
        )
    if data.expires_on:
        label = "HSD/EXP" if data.expiry_kind == "expiry" else "Dùng tốt nhất trước/BB"
        paragraphs.append(Paragraph(f"{label}: {_format_date(data.expires_on)}", base, max_lines=2))
    if data.producer_name:
        paragraphs.append(Paragraph(data.producer_name, base * 0.9, max_lines=2))
    paragraphs.append(Paragraph(CAPTION_VI, base * 0.8, bold=True, max_lines=2))
    paragraphs.append(Paragraph(CAPTION_EN, base * 0.8, max_lines=1))
    return paragraphs


def static_drawing(
    data: LabelData, size: LabelSize, *, encoder: EncoderName | None = None
) -> Drawing:
    """Everything but the QR and the serial."""
    validate_label(data)
    if data.export is not None:
        return export_static_drawing(data.export, size.width, size.height, encoder=encoder)
    frame = plan_frame(size, with_ean13=data.gtin13 is not None)
    drawing = Drawing(size.width, size.height)
    text_box = frame.text
    if data.ocop_stars:
        ocop_ems = text_width("OCOP ", 0.9, bold=True) + data.ocop_stars * 1.05
        star_size = min(2.8, 0.1 * size.height, text_box.width / ocop_ems)
        _draw_ocop(drawing, data.ocop_stars, x=text_box.x, y=text_box.y, size=star_size)
        text_box = replace(
            text_box, y=text_box.y + star_size * 1.2, height=text_box.height - star_size * 1.2
        )
    base = min(2.6, max(MIN_TEXT_SIZE_MM, size.height / 14))
    drawing.texts.extend(
        fit_paragraphs(
            _paragraphs(data, base),
            x=text_box.x,
            top=text_box.y,
            width=text_box.width,
            height=text_box.height,
            min_size=MIN_TEXT_SIZE_MM,
        )
    )
    if data.gtin13 is not None and frame.ean13 is not None:
        assert frame.ean13_magnification is not None
        ean = ean13_drawing(data.gtin13, magnification=frame.ean13_magnification, encoder=encoder)
        drawing.place(ean, frame.ean13.x, frame.ean13.y)
    return drawing


def variable_drawing(
    data: LabelData, size: LabelSize, *, encoder: EncoderName | None = None
) -> Drawing:
    """The QR and the small serial under it."""
    if data.export is not None:
        return export_variable_drawing(
            data.digital_link, data.serial, size.width, size.height, encoder=encoder
        )
    frame = plan_frame(size, with_ean13=data.gtin13 is not None)
    drawing = Drawing(size.width, size.height)
    drawing.place(
        qr_drawing(data.digital_link, size_mm=frame.qr.width, encoder=encoder),
        frame.qr.x,
        frame.qr.y,
    )
    if data.serial:
        drawing.texts.append(
            Text(
                frame.qr.x + frame.qr.width / 2,
                frame.serial_baseline,
                data.serial,
                min(1.6, max(MIN_TEXT_SIZE_MM, frame.qr.width / 14)),
                anchor="middle",
            )
        )
    return drawing


def label_drawing(
    data: LabelData, size: LabelSize, *, encoder: EncoderName | None = None
) -> Drawing:
    drawing = static_drawing(data, size, encoder=encoder)
    drawing.place(variable_drawing(data, size, encoder=encoder), 0.0, 0.0)
    return drawing


def _draw_ocop(drawing: Drawing, stars: int, *, x: float, y: float, size: float) -> None:
    drawing.texts.append(Text(x, y + size * 0.85, "OCOP", size * 0.9, bold=True))
    start = x + text_width("OCOP ", size * 0.9, bold=True)
    for index in range(stars):
        drawing.polygons.append(
            _star(start + index * size * 1.05 + size / 2, y + size / 2, size / 2)
        )


def _star(cx: float, cy: float, radius: float) -> Polygon:
    points = []
    for index in range(10):
        r = radius if index % 2 == 0 else radius * 0.4
        angle = -math.pi / 2 + index * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return Polygon(tuple(points))
