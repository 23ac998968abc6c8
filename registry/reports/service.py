"""Accepting a consumer report: validated text, a re-encoded photo, a rate limit."""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.errors import InvalidInput
from registry.products.models import Product
from registry.reports.models import ConsumerReport, ReportKind

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000
MAX_MESSAGE_CHARS = 2000
# A 40-megapixel photo holds about 360 MB while it is cleaned: a few at once, the
# others wait their turn rather than take the server's memory.
PHOTOS_CLEANED_AT_ONCE = 2
_photo_slots = threading.BoundedSemaphore(PHOTOS_CLEANED_AT_ONCE)
PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    media_type: str
    width: int
    height: int


def _bad_photo(vi: str, en: str) -> InvalidInput:
    return InvalidInput(vi, en, field="photo")


def clean_photo(data: bytes) -> CleanPhoto:
    """Decode the photo fully and re-encode it, which drops EXIF (GPS, device) data.

    Only JPEG, PNG and WebP are accepted, judged by decoding, not by the file name.
    """
    if len(data) > MAX_PHOTO_BYTES:
        raise _bad_photo("Ảnh quá lớn (tối đa 5 MB).", "The photo is too large (5 MB at most).")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format or ""
            width, height = probe.size
            if kind not in PHOTO_FORMATS:
                raise _bad_photo(
                    "Chỉ nhận ảnh JPEG, PNG hoặc WebP.",
                    "Only JPEG, PNG or WebP photos are accepted.",
                )
            if width * height > MAX_PHOTO_PIXELS:
                raise _bad_photo(
                    "Ảnh có quá nhiều điểm ảnh (tối đa 40 megapixel).",
                    "The photo has too many pixels (40 megapixels at most).",
                )
            probe.load()
            image = probe.copy()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as error:
        raise _bad_photo(
            "Không đọc được ảnh; hãy gửi ảnh JPEG, PNG hoặc WebP.",
            "The photo could not be read; send a JPEG, PNG or WebP image.",
        ) from error
    out = io.BytesIO()
    if kind == "JPEG":
        # Not optimize=True: Pillow then encodes holding the GIL, which stopped every
        # request of the server for 0.5 s per 40-megapixel photo (measured).
        image.convert("RGB").save(out, "JPEG", quality=85)
    elif kind == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=85)
    return CleanPhoto(out.getvalue(), PHOTO_FORMATS[kind], width, height)


def submit_report(
    session: Session,
    *,
    kind: str,
    message: str,
    device_hash: str,
    gtin: str | None = None,
    lot: str | None = None,
    serial: str | None = None,
    scanned_path: str | None = None,
    verdict: str | None = None,
    contact: str | None = None,
    purchase_place: str | None = None,
    photo: bytes | None = None,
    clean: Callable[[bytes], CleanPhoto] = clean_photo,
) -> ConsumerReport:
    """`clean` is `clean_photo`, or the same run elsewhere (the server: a worker process)."""
    try:
        report_kind = ReportKind(kind)
    except ValueError as error:
        raise InvalidInput(
            "Hãy chọn loại vấn đề.", "Choose what kind of problem it is.", field="kind"
        ) from error
    text = message.strip()
    if not 1 <= len(text) <= MAX_MESSAGE_CHARS:
        raise InvalidInput(
            f"Hãy mô tả vấn đề (tối đa {MAX_MESSAGE_CHARS} ký tự).",
            f"Describe the problem ({MAX_MESSAGE_CHARS} characters at most).",
            field="message",
        )
    cleaned = None
    if photo:
        with _photo_slots:
            cleaned = clean(photo)
    report = ConsumerReport(
        created_at=dt.datetime.now(dt.UTC),
        kind=report_kind,
        message=text,
        contact=(contact or "").strip()[:200] or None,
        purchase_place=(purchase_place or "").strip()[:200] or None,
        device_hash=device_hash,
        gtin=gtin,
        lot=lot,
        serial=serial,
        scanned_path=(scanned_path or "")[:500] or None,
        verdict=verdict,
        photo=cleaned.data if cleaned else None,
        photo_type=cleaned.media_type if cleaned else None,
        photo_width=cleaned.width if cleaned else None,
        photo_height=cleaned.height if cleaned else None,
    )
    session.add(report)
    session.flush()
    return report


def reports_about_products_of(
    session: Session, *, enterprise_id: int, limit: int
) -> list[ConsumerReport]:
    """The latest consumer reports about the producer's products, newest first."""
    return list(
        session.scalars(
            select(ConsumerReport)
            .join(Product, Product.gtin == ConsumerReport.gtin)
            .where(Product.enterprise_id == enterprise_id)
            .order_by(ConsumerReport.created_at.desc())
            .limit(limit)
        )
    )
