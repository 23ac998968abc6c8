"""A product's core attributes for Verified by GS1, their checks and completeness.

Verified by GS1 (the GS1 Registry Platform) identifies a product by its GTIN and six
more attributes, as GS1's data model names them: `brandName`, `productDescription`
(the functional name, per language), `productImageUrl`, `gpcCategoryCode` (a GPC brick),
`netContent` (value and UN/ECE Recommendation 20 unit code) and `countryOfSaleCode`
(the target market: ISO 3166-1, kept here as the numeric code GS1's data standards use,
"704" for Viet Nam; the alpha-2 form is accepted on input and written beside it on
export). The licence key (the GS1 company prefix) and the company name come from the
enterprise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final
from urllib.parse import urlsplit

import pycountry
from sqlalchemy.orm import Session

from registry.errors import InvalidInput
from registry.gpc.service import count_bricks, find_brick
from registry.products.models import Product
from registry.text import check_quantity

MAX_IMAGE_URL_LENGTH: Final = 500
MAX_TARGET_MARKETS: Final = 10
MAX_TARGET_MARKETS_TEXT: Final = 200
# Units a net content is declared in, as UN/ECE Recommendation 20 codes (the codes
# GS1's netContent unitCode takes), with the names shown to people.
NET_CONTENT_UNITS: Final[dict[str, tuple[str, str]]] = {
    "GRM": ("g", "g"),
    "KGM": ("kg", "kg"),
    "MGM": ("mg", "mg"),
    "TNE": ("tấn", "tonne"),
    "MLT": ("ml", "ml"),
    "CLT": ("cl", "cl"),
    "LTR": ("lít", "litre"),
    "H87": ("cái, quả", "piece"),
    "ONZ": ("ounce", "ounce"),
    "LBR": ("pound", "pound"),
    "OZA": ("fl oz (Mỹ)", "fluid ounce (US)"),
}
_SPLIT_MARKETS: Final = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class Attribute:
    key: str
    gs1_name: str
    label_vi: str
    label_en: str

    def label(self, lang: str) -> str:
        return self.label_vi if lang == "vi" else self.label_en


# The seven Verified by GS1 core attributes, in GS1's order.
ATTRIBUTES: Final = (
    Attribute("gtin", "gtin", "GTIN", "GTIN"),
    Attribute("brand", "brandName", "Nhãn hiệu", "Brand name"),
    Attribute("description", "productDescription", "Mô tả sản phẩm (tên)", "Product description"),
    Attribute("image_url", "productImageUrl", "Đường dẫn ảnh sản phẩm", "Product image URL"),
    Attribute("gpc_brick", "gpcCategoryCode", "Mã brick GPC", "GPC brick code"),
    Attribute("net_content", "netContent", "Khối lượng tịnh và đơn vị", "Net content and unit"),
    Attribute("target_market", "countryOfSaleCode", "Thị trường mục tiêu", "Target market"),
)


@dataclass(frozen=True)
class Completeness:
    present: tuple[Attribute, ...]
    missing: tuple[Attribute, ...]

    @property
    def percent(self) -> int:
        return round(100 * len(self.present) / len(ATTRIBUTES))

    @property
    def complete(self) -> bool:
        return not self.missing


def product_image_url(product: Product, *, base_url: str) -> str | None:
    """The explicit image URL, else the public address of the photo stored here."""
    if product.image_url:
        return product.image_url
    if product.image_path:
        return f"{base_url.rstrip('/')}/media/{product.image_path}"
    return None


def completeness(product: Product, *, known_bricks: set[str] | frozenset[str]) -> Completeness:
    """Which core attributes the product has; a brick counts only if the loaded GPC has it."""
    has = {
        "gtin": bool(product.gtin),
        "brand": bool((product.brand or "").strip()),
        "description": bool((product.name_vi or "").strip()),
        "image_url": bool(product.image_url or product.image_path),
        "gpc_brick": product.gpc_brick_code in known_bricks,
        "net_content": product.net_content_value is not None and bool(product.net_content_unit),
        "target_market": bool(product.target_markets),
    }
    return Completeness(
        present=tuple(a for a in ATTRIBUTES if has[a.key]),
        missing=tuple(a for a in ATTRIBUTES if not has[a.key]),
    )


def checked_brick(session: Session, code: str | None) -> str | None:
    text = (code or "").strip()
    if not text:
        return None
    if not re.fullmatch(r"[0-9]{8}", text):
        raise InvalidInput(
            "Mã brick GPC gồm đúng 8 chữ số, ví dụ 10005806.",
            "A GPC brick code has exactly 8 digits, for example 10005806.",
            field="gpc_brick_code",
        )
    if find_brick(session, text) is None:
        if not count_bricks(session):
            raise InvalidInput(
                "Chi cục chưa nạp danh mục GPC nên chưa chọn được brick; hãy để trống.",
                "The agency has not loaded the GPC yet, so no brick can be chosen; leave it empty.",
                field="gpc_brick_code",
            )
        raise InvalidInput(
            f"Mã {text} không phải brick trong danh mục GPC đã nạp; hãy tìm và chọn lại.",
            f"{text} is not a brick of the loaded GPC; search and pick one.",
            field="gpc_brick_code",
        )
    return text


def checked_unit(code: str | None) -> str | None:
    text = (code or "").strip().upper()
    if not text:
        return None
    if text not in NET_CONTENT_UNITS:
        raise InvalidInput(
            f"Đơn vị phải là mã UN/ECE Rec 20 trong danh sách ({', '.join(NET_CONTENT_UNITS)}).",
            f"The unit must be a UN/ECE Rec 20 code from the list "
            f"({', '.join(NET_CONTENT_UNITS)}).",
            field="net_content_unit",
        )
    return text


def checked_net_content_value(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    check_quantity(value, field="net_content_value")
    if value == 0:
        raise InvalidInput(
            "Khối lượng tịnh phải lớn hơn 0.",
            "The net content must be greater than 0.",
            field="net_content_value",
        )
    return value


def checked_target_markets(text: str | None) -> str | None:
    """ "VN, CN" or "704 156" → "704 156" (ISO 3166-1 numeric, in the order given)."""
    raw = (text or "").strip()
    if not raw:
        return None
    if len(raw) > MAX_TARGET_MARKETS_TEXT:
        raise InvalidInput(
            f"Thị trường mục tiêu dài tối đa {MAX_TARGET_MARKETS_TEXT} ký tự.",
            f"The target markets may have at most {MAX_TARGET_MARKETS_TEXT} characters.",
            field="target_markets",
        )
    codes: list[str] = []
    for token in _SPLIT_MARKETS.split(raw):
        if not token:
            continue
        country = _country(token)
        if country is None:
            raise InvalidInput(
                f"Không nhận ra mã nước {token[:10]!r}; dùng mã ISO 3166-1 như VN, CN hoặc 704.",
                f"Unknown country code {token[:10]!r}; use ISO 3166-1 codes such as VN, CN or 704.",
                field="target_markets",
            )
        if country.numeric not in codes:
            codes.append(country.numeric)
    if len(codes) > MAX_TARGET_MARKETS:
        raise InvalidInput(
            f"Tối đa {MAX_TARGET_MARKETS} thị trường.",
            f"At most {MAX_TARGET_MARKETS} markets.",
            field="target_markets",
        )
    return " ".join(codes) or None


def _country(token: str) -> Any:
    if token.isdigit() and len(token) <= 3:
        return pycountry.countries.get(numeric=token.zfill(3))
    if token.isascii() and token.isalpha() and len(token) in (2, 3):
        if len(token) == 2:
            return pycountry.countries.get(alpha_2=token.upper())
        return pycountry.countries.get(alpha_3=token.upper())
    return None


def alpha2_markets(numeric_codes: str | None) -> str:
    """ "704 156" → "VN CN", for people and for the export's alpha-2 column."""
    names = []
    for code in (numeric_codes or "").split():
        country = pycountry.countries.get(numeric=code)
        names.append(country.alpha_2 if country is not None else code)
    return " ".join(names)


def checked_image_url(text: str | None) -> str | None:
    url = (text or "").strip()
    if not url:
        return None
    problem = None
    if len(url) > MAX_IMAGE_URL_LENGTH:
        problem = (
            f"Đường dẫn ảnh dài tối đa {MAX_IMAGE_URL_LENGTH} ký tự.",
            f"The image URL may have at most {MAX_IMAGE_URL_LENGTH} characters.",
        )
    elif not url.isascii() or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        problem = (
            "Đường dẫn ảnh không được chứa khoảng trắng hay ký tự ngoài ASCII "
            "(hãy mã hoá phần trăm).",
            "The image URL may not contain spaces or non-ASCII characters (percent-encode them).",
        )
    else:
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            parts, host = None, None
        if parts is None or parts.scheme != "https" or not host or parts.username:
            problem = (
                "Đường dẫn ảnh phải là địa chỉ https://, ví dụ https://example.vn/anh.jpg.",
                "The image URL must be an https:// address, e.g. https://example.com/photo.jpg.",
            )
    if problem:
        raise InvalidInput(problem[0], problem[1], field="image_url")
    return url


def check_master_data(session: Session, values: dict[str, Any]) -> None:
    """Check and normalise, in place, the master-data fields present in `values`, and
    refuse a net content value without a unit or a unit without a value."""
    if "gpc_brick_code" in values:
        values["gpc_brick_code"] = checked_brick(session, values["gpc_brick_code"])
    if "net_content_unit" in values:
        values["net_content_unit"] = checked_unit(values["net_content_unit"])
    if "net_content_value" in values:
        values["net_content_value"] = checked_net_content_value(values["net_content_value"])
    if "target_markets" in values:
        values["target_markets"] = checked_target_markets(values["target_markets"])
    if "image_url" in values:
        values["image_url"] = checked_image_url(values["image_url"])


def check_net_content_pair(value: Decimal | None, unit: str | None) -> None:
    if (value is None) != (unit is None):
        field = "net_content_unit" if value is not None else "net_content_value"
        raise InvalidInput(
            "Khối lượng tịnh cần cả giá trị và đơn vị.",
            "The net content needs both a value and a unit.",
            field=field,
        )
