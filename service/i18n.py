"""Vietnamese is the source language; English comes from a small catalogue, and Chinese
(Simplified, zh-Hans) from another, for the consumer page of export products only.

The language is chosen by `?lang=`, then the `lang` cookie, then Accept-Language.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from starlette.requests import Request

LANGUAGES = ("vi", "en")
# The consumer page of a lot exported to China, or of a product named in Chinese, offers
# Chinese too; every other page keeps LANGUAGES.
EXPORT_PAGE_LANGUAGES = ("vi", "en", "zh")
DEFAULT_LANGUAGE = "vi"
# BCP 47 tags for lang= and hreflang=: the catalogue "zh" is Simplified Chinese.
LANGUAGE_TAGS = {"vi": "vi", "en": "en", "zh": "zh-Hans"}
# Each language's name in itself, for the language switch.
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English", "zh": "中文"}
_CATALOGUE_DIR = Path(__file__).parent / "locale"
_SCOPE_KEY = "truyxuat.language"


@lru_cache(maxsize=len(EXPORT_PAGE_LANGUAGES))
def catalogue(lang: str) -> dict[str, str]:
    """Merged from locale/{lang}.json and every locale/{lang}/*.json (one file per area)."""
    if lang == DEFAULT_LANGUAGE:
        return {}
    paths = [_CATALOGUE_DIR / f"{lang}.json", *sorted((_CATALOGUE_DIR / lang).glob("*.json"))]
    merged: dict[str, str] = {}
    for path in paths:
        if path.exists():
            merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def translate(text: str, lang: str) -> str:
    return catalogue(lang).get(text, text)


def parse_accept_language(header: str) -> list[tuple[str, float]]:
    """Languages with their q-values, best first (RFC 9110 §12.5.4)."""
    ranked = []
    for position, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        ranked.append((tag.strip().lower(), quality, position))
    ranked.sort(key=lambda item: (-item[1], item[2]))
    return [(tag, quality) for tag, quality, _ in ranked if quality > 0]


# Browsers send a handful of distinct Accept-Language values.
@lru_cache(maxsize=1024)
def choose_language(header: str | None, available: tuple[str, ...] = LANGUAGES) -> str | None:
    for tag, _quality in parse_accept_language(header or ""):
        primary = tag.split("-")[0]
        if primary in available:
            return primary
        if tag == "*":
            return available[0]
    return None


def request_language(request: Request) -> str:
    # Asked several times per request (templates, links, headers): decide once.
    chosen: str | None = request.scope.get(_SCOPE_KEY)
    if chosen is None:
        chosen = _language_of(request)
        request.scope[_SCOPE_KEY] = chosen
    return chosen


def _language_of(request: Request, available: tuple[str, ...] = LANGUAGES) -> str:
    asked = request.query_params.get("lang")
    if asked in available:
        return asked
    cookie = request.cookies.get("lang")
    if cookie in available:
        return cookie
    return choose_language(request.headers.get("accept-language"), available) or DEFAULT_LANGUAGE


def page_language(request: Request, *, offers_chinese: bool) -> str:
    """The consumer page's language: Chinese when the page offers it and it is asked for
    (`?lang=zh`, the cookie, or an Accept-Language that prefers it), else `request_language`."""
    if not offers_chinese:
        return request_language(request)
    chosen = _language_of(request, EXPORT_PAGE_LANGUAGES)
    request.scope[_SCOPE_KEY] = chosen  # the rest of the request speaks it too
    return chosen


def language_tag(lang: str) -> str:
    return LANGUAGE_TAGS.get(lang, lang)
