"""The web scanner: the phone's camera where the browser can read barcodes, else a photo.

Photos are decoded on the server by the same decoder as the inspectors' tool, in a worker
thread within a time budget. A code for this registry leads to its resolver page; a web
address on any other domain is shown as text with a warning and never linked.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.responses import RedirectResponse, Response
from starlette.types import Message

from registry.settings import Settings
from scanner_client.decode import DecodedCode, DecodeError, decode_image
from scanner_client.interpret import Interpretation, Kind, ResolverConfig, interpret, interpret_code
from service.deps import SettingsDep
from service.i18n import LANGUAGES
from service.request_body import BodyTooLarge, read_body_within
from service.templating import render

router = APIRouter(include_in_schema=False)

SCAN_PATH = "/scan"
CODE_PATH = "/scan/code"
# Phone photos are 2-8 MB; 15 MB leaves room for HEIC/ProRAW-sized JPEGs.
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MULTIPART_OVERHEAD_BYTES = 64 * 1024
DECODE_SECONDS = 2.0
# The decoder checks its budget between attempts; one attempt on a large frame can overrun.
DECODE_GRACE_SECONDS = 3.0
# Decoding holds a core for up to the budget: a few at once, the rest are told to retry.
MAX_CONCURRENT_DECODES = 2
QUEUE_WAIT_SECONDS = 5.0
MAX_CODE_TEXT = 4096
REPLAY_PIECE_BYTES = 64 * 1024
# BarcodeDetector formats whose symbols may carry GS1 element strings (FNC1 first).
GS1_CAPABLE_FORMATS = frozenset({"data_matrix", "code_128", "qr_code"})

MESSAGES: dict[str, tuple[str, str]] = {
    "too_large": (
        "Ảnh quá lớn (tối đa 15 MB). Hãy chụp lại hoặc giảm kích thước ảnh.",
        "The photo is too large (15 MB at most). Take it again or make it smaller.",
    ),
    "no_file": ("Hãy chọn một ảnh để tải lên.", "Choose a photo to upload."),
    "no_code": (
        "Không tìm thấy mã vạch nào trong ảnh. Hãy chụp gần hơn, đủ sáng và rõ nét.",
        "No barcode was found in the photo. Take it closer, in good light and in focus.",
    ),
    "busy": (
        "Máy chủ đang bận. Vui lòng thử lại sau ít phút.",
        "The server is busy. Please try again in a minute.",
    ),
    "too_slow": (
        "Ảnh này mất quá nhiều thời gian để đọc. Hãy chụp lại chỉ phần tem.",
        "This photo took too long to read. Take a photo of the label alone.",
    ),
    "bad_form": ("Biểu mẫu gửi lên không hợp lệ.", "The submitted form is invalid."),
}


class _Rejected(Exception):
    def __init__(self, message: str | tuple[str, str], status: int) -> None:
        super().__init__(message)
        self.message = MESSAGES[message] if isinstance(message, str) else message
        self.status = status


@dataclass(frozen=True)
class FoundCode:
    symbology: str
    meaning: Interpretation
    href: str | None
    """Path on this registry's resolver, when the code may be opened here."""


def _decoder_slots(request: Request) -> asyncio.Semaphore:
    slots: asyncio.Semaphore | None = getattr(request.app.state, "scan_decoder_slots", None)
    if slots is None:
        slots = asyncio.Semaphore(MAX_CONCURRENT_DECODES)
        request.app.state.scan_decoder_slots = slots
    return slots


def _config(settings: Settings) -> ResolverConfig:
    return ResolverConfig(settings.public_base_url)


def _local_path(meaning: Interpretation) -> str | None:
    """The code's resolver path here, for a valid GS1 code not printed on a lookalike domain."""
    if not meaning.valid or meaning.untrusted_domain or meaning.canonical is None:
        return None
    parts = urlsplit(meaning.canonical)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _specificity(found: FoundCode) -> int:
    return len(found.meaning.qualifiers)


def _destination(codes: list[FoundCode]) -> str | None:
    """Where to send the scanner straight away: one product, nothing suspicious."""
    if not codes or any(c.meaning.untrusted_domain for c in codes):
        return None
    openable = [c for c in codes if c.href is not None]
    if not openable or len({c.meaning.gtin for c in openable}) != 1:
        return None
    return max(openable, key=_specificity).href


def _page(
    request: Request,
    *,
    codes: list[FoundCode] | None = None,
    message: str | tuple[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "codes": codes or [],
        "message": MESSAGES[message] if isinstance(message, str) else message,
        "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        "code_path": CODE_PATH,
        "scan_path": SCAN_PATH,
        "Kind": Kind,
    }
    return render(
        request,
        "scan/index.html",
        context,
        status_code=status_code,
        headers={"cache-control": "no-store"},
    )


def _answer(request: Request, codes: list[FoundCode]) -> Response:
    target = _destination(codes)
    if target is not None:
        asked = request.query_params.get("lang")
        if asked in LANGUAGES:
            # The resolver passes its query on: the consumer page keeps the chosen language.
            target += f"{'&' if '?' in target else '?'}lang={asked}"
        return RedirectResponse(target, status_code=303)
    if not codes:
        return _page(request, message="no_code")
    return _page(request, codes=codes)


def _found(meaning: Interpretation, symbology: str) -> FoundCode:
    return FoundCode(symbology, meaning, _local_path(meaning))


@router.get(SCAN_PATH)
def scan_page(request: Request) -> Response:
    return _page(request)


@router.get(CODE_PATH)
def scanned_text(
    request: Request,
    settings: SettingsDep,
    text: Annotated[str, Query(max_length=MAX_CODE_TEXT)] = "",
    symbol_format: Annotated[str, Query(alias="format", max_length=32)] = "",
) -> Response:
    """What the camera read (the browser's BarcodeDetector sends the raw text here)."""
    if not text.strip():
        return _page(request, message="no_code")
    config = _config(settings)
    meaning = interpret(text, config=config)
    if symbol_format in GS1_CAPABLE_FORMATS and meaning.kind is Kind.not_gs1:
        # The detector drops the symbology identifier: GS1 data arrives as bare digits + GS.
        as_gs1 = interpret(text, config=config, gs1_symbol=True)
        if as_gs1.valid:
            meaning = as_gs1
    return _answer(request, [_found(meaning, symbol_format or "camera")])


@router.post(SCAN_PATH)
async def scan_upload(request: Request, settings: SettingsDep) -> Response:
    try:
        photo = await _uploaded_photo(request)
        decoded = await _decode(request, photo)
    except _Rejected as rejected:
        return _page(request, message=rejected.message, status_code=rejected.status)
    config = _config(settings)
    codes = [_found(interpret_code(code, config=config), code.symbology) for code in decoded]
    return _answer(request, codes)


async def _uploaded_photo(request: Request) -> bytes:
    try:
        body = await read_body_within(request, MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES)
    except BodyTooLarge as error:
        raise _Rejected("too_large", 413) from error
    try:
        form = await _replayed(request, body).form(max_files=1, max_fields=4)
    except (MultiPartException, ValueError) as error:
        raise _Rejected("bad_form", 400) from error
    try:
        photo = form.get("photo")
        if not isinstance(photo, UploadFile) or not photo.filename:
            raise _Rejected("no_file", 400)
        data = await photo.read(MAX_UPLOAD_BYTES + 1)
    finally:
        await form.close()
    if not data:
        raise _Rejected("no_file", 400)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _Rejected("too_large", 413)
    return data


def _replayed(request: Request, body: bytes) -> Request:
    """The same request with its (already read, size-checked) body to parse again, in
    pieces: parsing 15 MB at once holds the event loop for 200 ms; between pieces,
    other requests get their turn."""
    pieces = [
        body[start : start + REPLAY_PIECE_BYTES]
        for start in range(0, len(body), REPLAY_PIECE_BYTES)
    ] or [b""]
    delivered = 0

    async def receive() -> Message:
        nonlocal delivered
        if delivered == len(pieces):
            return {"type": "http.disconnect"}
        if delivered:
            await asyncio.sleep(0)
        delivered += 1
        more = delivered < len(pieces)
        return {"type": "http.request", "body": pieces[delivered - 1], "more_body": more}

    return Request(request.scope, receive)


async def _decode(request: Request, data: bytes) -> list[DecodedCode]:
    slots = _decoder_slots(request)
    try:
        await asyncio.wait_for(slots.acquire(), timeout=QUEUE_WAIT_SECONDS)
    except TimeoutError as error:
        raise _Rejected("busy", 503) from error
    work = asyncio.ensure_future(
        asyncio.to_thread(functools.partial(decode_image, data, time_budget=DECODE_SECONDS))
    )
    work.add_done_callback(functools.partial(_decoded, slots))
    try:
        return await asyncio.wait_for(
            asyncio.shield(work), timeout=DECODE_SECONDS + DECODE_GRACE_SECONDS
        )
    except TimeoutError as error:
        raise _Rejected("too_slow", 503) from error
    except DecodeError as error:
        raise _Rejected((error.message_vi, error.message_en), 400) from error


def _decoded(slots: asyncio.Semaphore, work: asyncio.Future[list[DecodedCode]]) -> None:
    """The slot is given back when the thread ends, even if the answer went out before."""
    slots.release()
    if not work.cancelled():
        work.exception()  # retrieved, so a late failure is not logged as unhandled
