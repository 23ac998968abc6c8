"""What a scanned code means in GS1 terms, and which resolver may be asked about it.

A code is a GS1 Digital Link URI, a GS1 element string (GS1 DataMatrix, GS1-128, GS1 QR),
a bare GTIN (EAN-13, UPC-A, EAN-8, ITF-14), or something else. A web address on a domain
that is not a trusted resolver is flagged as a possible phishing label and never fetched:
a counterfeit label may copy a genuine code onto a lookalike domain.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from registry.gs1 import (
    AI_TABLE,
    CANONICAL_BASE,
    DigitalLink,
    Element,
    GS1Error,
    build_digital_link,
    format_parenthesised,
    lookup_ai,
    parse_digital_link,
    parse_digital_link_lenient,
    parse_element_string,
    parse_gtin,
)
from scanner_client.decode import GS1_SYMBOLOGY_IDENTIFIERS, DecodedCode

DEFAULT_RESOLVER = "https://truyxuat.dongthap.gov.vn"
GS1_GLOBAL_RESOLVER_HOST = "id.gs1.org"
# GTIN-8 (EAN-8), GTIN-12 (UPC-A), GTIN-13 (EAN-13), GTIN-14 (ITF-14): GenSpecs §3.3.2.
GTIN_LENGTHS = (8, 12, 13, 14)
# "(01)…", "[01]…": how people and label software write element strings.
_WRITTEN_ELEMENT_STRING = re.compile(r"^[(\[]\d{2,4}[)\]]")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PRIMARY_KEYS = "|".join(code for code, ai in AI_TABLE.items() if ai.dl_role == "primary")
_KEY_IN_PATH = re.compile(rf"/({_PRIMARY_KEYS})/[^/?#]")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_BARE_DOMAIN = re.compile(
    r"^(www\.)?[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}(:\d+)?([/?#]|$)"
)


class Kind(enum.StrEnum):
    digital_link = "digital_link"
    element_string = "element_string"
    gtin = "gtin"
    not_gs1 = "not_gs1"
    phishing = "phishing"


@dataclass(frozen=True)
class ResolverConfig:
    """Where to ask, and which domains may be trusted to answer for GS1 codes."""

    base_url: str = DEFAULT_RESOLVER
    trusted_domains: tuple[str, ...] = ()

    @property
    def resolver_base(self) -> str:
        return self.base_url.rstrip("/")

    def trusts(self, url: str) -> bool:
        """True when the URL's host is the configured resolver, id.gs1.org or a listed one."""
        host = _host_key(url)
        if host is None:
            return False
        trusted = {_host_key(self.base_url), GS1_GLOBAL_RESOLVER_HOST}
        trusted.update(_host_key(d if "//" in d else f"https://{d}") for d in self.trusted_domains)
        return host in trusted


def _host_key(url: str) -> str | None:
    """Lower-case host with its port when not the scheme's default; None if not http(s)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if port is None or port == _DEFAULT_PORTS[parts.scheme.lower()]:
        return host
    return f"{host}:{port}"


@dataclass(frozen=True)
class Field:
    """One GS1 element with its AI title and, for dates, the calendar date."""

    ai: str
    title: str
    value: str
    date: dt.date | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"ai": self.ai, "title": self.title, "value": self.value}
        if self.date is not None:
            data["date"] = self.date.isoformat()
        return data


@dataclass(frozen=True)
class Problem:
    message_vi: str
    message_en: str
    ai: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"ai": self.ai, "message_vi": self.message_vi, "message_en": self.message_en}


@dataclass(frozen=True)
class Interpretation:
    kind: Kind
    text: str
    primary: Field | None = None
    qualifiers: tuple[Field, ...] = ()
    attributes: tuple[Field, ...] = ()
    errors: tuple[Problem, ...] = ()
    domain: str | None = None
    """Host of a URL code, as written on the label."""
    untrusted_domain: bool = False
    """A URL to a host that is not a trusted resolver: never open it."""
    resolver_url: str | None = None
    """The Digital Link to ask about this code (on a trusted resolver), if it can be asked."""
    element_string: str | None = None
    canonical: str | None = None
    """The canonical https://id.gs1.org form."""
    notes: tuple[Problem, ...] = ()
    """Warnings that do not make the GS1 content invalid (an untrusted domain)."""

    @property
    def is_gs1(self) -> bool:
        return self.primary is not None

    @property
    def valid(self) -> bool:
        return self.is_gs1 and not self.errors

    def _value(self, ai: str) -> str | None:
        for item in (self.primary, *self.qualifiers, *self.attributes):
            if item is not None and item.ai == ai:
                return item.value
        return None

    def _date(self, ai: str) -> dt.date | None:
        return next((a.date for a in self.attributes if a.ai == ai), None)

    @property
    def gtin(self) -> str | None:
        return self._value("01")

    @property
    def lot(self) -> str | None:
        return self._value("10")

    @property
    def serial(self) -> str | None:
        return self._value("21")

    @property
    def expiry_on(self) -> dt.date | None:
        return self._date("17")

    @property
    def best_before_on(self) -> dt.date | None:
        return self._date("15")

    @property
    def production_on(self) -> dt.date | None:
        return self._date("11")

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "valid": self.valid,
            "primary": self.primary.as_dict() if self.primary else None,
            "qualifiers": [q.as_dict() for q in self.qualifiers],
            "attributes": [a.as_dict() for a in self.attributes],
            "element_string": self.element_string,
            "canonical": self.canonical,
            "domain": self.domain,
            "untrusted_domain": self.untrusted_domain,
            "resolver_url": self.resolver_url,
            "errors": [e.as_dict() for e in self.errors],
            "notes": [n.as_dict() for n in self.notes],
        }


def gs1_date(yymmdd: str, *, today: dt.date | None = None) -> dt.date | None:
    """A GS1 YYMMDD date; day 00 is the month's last day (GenSpecs §3.4.6 note).

    The century follows GenSpecs §7.12: a year 51-99 ahead of this one is in the past
    century, one 50 or more behind is in the next.
    """
    if len(yymmdd) != 6 or not yymmdd.isdigit():
        return None
    today = today or dt.date.today()
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    difference = yy - today.year % 100
    century = today.year // 100 * 100
    if 51 <= difference <= 99:
        century -= 100
    elif -99 <= difference <= -50:
        century += 100
    year = century + yy
    if not 1 <= month <= 12:
        return None
    try:
        if day == 0:
            first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
            return first_of_next - dt.timedelta(days=1)
        return dt.date(year, month, day)
    except ValueError:
        return None


def interpret_code(code: DecodedCode, *, config: ResolverConfig | None = None) -> Interpretation:
    """Interpret a decoded barcode: GS1 symbols by their raw data, others by their text."""
    if code.gs1:
        return interpret(code.raw, config=config, gs1_symbol=True)
    return interpret(code.text, config=config)


def interpret(
    text: str, *, config: ResolverConfig | None = None, gs1_symbol: bool = False
) -> Interpretation:
    """Interpret the content of one code; `gs1_symbol` when the symbol announced GS1 data."""
    config = config or ResolverConfig()
    content = text.strip()
    if (
        gs1_symbol
        or content[:3] in GS1_SYMBOLOGY_IDENTIFIERS
        or _WRITTEN_ELEMENT_STRING.match(content)
    ):
        return _element_string(content, config)
    if _SCHEME.match(content) or _BARE_DOMAIN.match(content):
        return _address(content, config)
    if content.isascii() and content.isdigit() and len(content) in GTIN_LENGTHS:
        return _bare_gtin(content, config)
    return Interpretation(Kind.not_gs1, text, errors=(_NOT_GS1,))


_NOT_GS1 = Problem("Đây không phải mã GS1.", "This is not a GS1 code.")
_PHISHING = Problem(
    "Mã dẫn tới một trang web không thuộc hệ thống truy xuất tin cậy. Không mở địa chỉ này: "
    "tem có thể là giả và trang có thể lừa đảo.",
    "The code points to a website outside the trusted traceability system. Do not open it: "
    "the label may be fake and the site a phishing page.",
)
_LOOKALIKE = Problem(
    "Mã GS1 này nằm trên một tên miền không tin cậy; chỉ nội dung GS1 được kiểm tra, "
    "qua hệ thống của Chi cục.",
    "This GS1 code sits on an untrusted domain; only its GS1 content is checked, through the "
    "agency's registry.",
)


def _problems(error: GS1Error) -> tuple[Problem, ...]:
    return tuple(Problem(p.message_vi, p.message_en, p.ai) for p in error.problems)


def _fields(elements: Iterable[Element]) -> tuple[Field, ...]:
    result = []
    for code, value in elements:
        title = lookup_ai(code).title if code in AI_TABLE else ""
        date = gs1_date(value) if code in AI_TABLE and AI_TABLE[code].is_date else None
        result.append(Field(code, title, value, date))
    return tuple(result)


def _from_link(kind: Kind, text: str, link: DigitalLink, *, resolver_base: str) -> Interpretation:
    (primary,) = _fields([link.primary])
    return Interpretation(
        kind,
        text,
        primary=primary,
        qualifiers=_fields(link.qualifiers),
        attributes=_fields(link.attributes),
        element_string=link.element_string(),
        canonical=link.canonical(),
        resolver_url=link.uri(resolver_base),
    )


def _element_string(content: str, config: ResolverConfig) -> Interpretation:
    try:
        elements = parse_element_string(content)
    except GS1Error as error:
        return Interpretation(Kind.element_string, content, errors=_problems(error))
    link = _link_of(elements)
    if link is None:
        # GS1 data without a Digital Link primary key (an AI 8018 alone, say): show it.
        fields = _fields(elements)
        return Interpretation(
            Kind.element_string,
            content,
            attributes=fields,
            element_string=format_parenthesised(elements),
            errors=(
                Problem(
                    "Dữ liệu GS1 không có khoá chính (như GTIN) để tra cứu.",
                    "The GS1 data has no primary key (such as a GTIN) to look up.",
                ),
            ),
        )
    result = _from_link(Kind.element_string, content, link, resolver_base=config.resolver_base)
    return replace(result, element_string=format_parenthesised(elements))


def _link_of(elements: list[Element]) -> DigitalLink | None:
    if not any(AI_TABLE[code].dl_role == "primary" for code, _ in elements):
        return None
    return parse_digital_link(build_digital_link(CANONICAL_BASE, elements))


def _bare_gtin(content: str, config: ResolverConfig) -> Interpretation:
    try:
        gtin = parse_gtin(content)
    except GS1Error as error:
        return Interpretation(Kind.gtin, content, errors=_problems(error))
    link = DigitalLink(CANONICAL_BASE, ("01", gtin.gtin14))
    return _from_link(Kind.gtin, content, link, resolver_base=config.resolver_base)


def _address(content: str, config: ResolverConfig) -> Interpretation:
    url = content if _SCHEME.match(content) else f"http://{content}"
    domain = _host_key(url)
    if domain is None:
        # mailto:, tel:, javascript: and other schemes: not a web page, not GS1.
        return Interpretation(Kind.not_gs1, content, errors=(_NOT_GS1,))
    untrusted = not config.trusts(url)
    try:
        link = parse_digital_link_lenient(url).link
    except GS1Error as error:
        if _KEY_IN_PATH.search(urlsplit(url).path):
            return Interpretation(
                Kind.digital_link,
                content,
                errors=_problems(error),
                notes=(_PHISHING,) if untrusted else (),
                domain=domain,
                untrusted_domain=untrusted,
            )
        if untrusted:
            return Interpretation(
                Kind.phishing, content, errors=(_PHISHING,), domain=domain, untrusted_domain=True
            )
        return Interpretation(Kind.not_gs1, content, errors=(_NOT_GS1,), domain=domain)
    errors: tuple[Problem, ...] = ()
    try:
        parse_digital_link(url)
    except GS1Error as error:
        # Readable leniently (a 13-digit GTIN, a trailing slash): still not a valid label.
        errors = _problems(error)
    # A trusted resolver is asked on its own domain; a lookalike never: the configured one is.
    resolver_base = config.resolver_base if untrusted else link.base
    result = _from_link(Kind.digital_link, content, link, resolver_base=resolver_base)
    return replace(
        result,
        errors=errors,
        notes=(_LOOKALIKE,) if untrusted else (),
        domain=domain,
        untrusted_domain=untrusted,
    )
