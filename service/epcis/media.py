"""Which representation an EPCIS request sends and asks for (EPCIS 2.0 REST binding:
JSON-LD by default, JSON when asked for, XML for documents and query answers)."""

from __future__ import annotations

from typing import Final

from starlette.requests import Request

from registry.errors import InvalidInput, TruyxuatError
from registry.events.epc_urn import EPC_FORMATS
from registry.events.received import JSON_MEDIA_TYPES, XML_MEDIA_TYPES, Notation, notation_of
from registry.events.xml.write import CBV_FORMATS

LD_JSON: Final = "application/ld+json"
JSON: Final = "application/json"
XML: Final = "application/xml"
DOCUMENT_TYPES: Final = (LD_JSON, JSON, XML, "text/xml")
JSON_TYPES: Final = (JSON, LD_JSON)


class UnsupportedMediaType(TruyxuatError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class NotAcceptable(TruyxuatError):
    status = 406
    slug = "not-acceptable"
    title = "Not acceptable"


def request_notation(request: Request, *, accepted: tuple[str, ...]) -> Notation:
    """The notation of the body by its Content-Type, if this route reads it; else 415."""
    content_type = request.headers.get("content-type")
    notation = notation_of(content_type)
    readable = {"json": JSON_MEDIA_TYPES, "xml": XML_MEDIA_TYPES}
    if notation is None or not set(readable[notation]) & set(accepted):
        names = ", ".join(accepted)
        raise UnsupportedMediaType(
            f"Không đọc được nội dung kiểu {content_type!r}; hãy gửi {names}.",
            f"Content-Type {content_type!r} is not read here; send {names}.",
            field="Content-Type",
        )
    return notation


def _quality(accept_range: str) -> tuple[str, float]:
    media_range, *parameters = (part.strip() for part in accept_range.split(";"))
    quality = 1.0
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
    return media_range.lower(), quality


def response_type(request: Request, *, offered: tuple[str, ...]) -> str:
    """The offered media type the Accept header prefers (the first offered on a tie or
    with no Accept header); 406 when it accepts none of them."""
    accept = request.headers.get("accept", "").strip()
    if not accept:
        return offered[0]
    ranges = [_quality(r) for r in accept.split(",")[:50] if r.strip()]
    best, best_quality = None, 0.0
    for media_type in offered:
        kind = media_type.split("/")[0] + "/*"
        quality = max(
            (q for media_range, q in ranges if media_range in (media_type, kind, "*/*")),
            default=0.0,
        )
        if quality > best_quality:
            best, best_quality = media_type, quality
    if best is None:
        names = ", ".join(offered)
        raise NotAcceptable(
            f"Không có dạng trả lời nào theo Accept {accept[:200]!r}; có: {names}.",
            f"No representation matches Accept {accept[:200]!r}; available: {names}.",
            field="Accept",
        )
    return best


def asked_formats(request: Request) -> tuple[str, str]:
    """(GS1-EPC-Format, GS1-CBV-XML-Format) as this answer applies them.

    Events are stored with GS1 keys in Digital Link form, so Never_Translates and
    No_Preference get Digital Link; the CBV format concerns XML only (the binding).
    """
    epc = request.headers.get("gs1-epc-format") or "Always_GS1_Digital_Link"
    # The binding names the header GS1-CBV-XML-Format; GS1-CBV-Format is read too.
    cbv_header = (
        "gs1-cbv-xml-format" if "gs1-cbv-xml-format" in request.headers else "gs1-cbv-format"
    )
    cbv = request.headers.get(cbv_header) or "Always_Web_URI"
    for header, value, allowed in (
        ("GS1-EPC-Format", epc, EPC_FORMATS),
        ("GS1-CBV-XML-Format", cbv, CBV_FORMATS),
    ):
        if value not in allowed:
            names = ", ".join(allowed)
            raise InvalidInput(
                f"{header} {value[:100]!r} không được hỗ trợ; dùng một trong: {names}.",
                f"{header} {value[:100]!r} is not supported; use one of: {names}.",
                field=header,
            )
    applied_epc = "Always_EPC_URN" if epc == "Always_EPC_URN" else "Always_GS1_Digital_Link"
    applied_cbv = cbv if cbv in ("Always_URN", "Never_Translates") else "Always_Web_URI"
    return applied_epc, applied_cbv
