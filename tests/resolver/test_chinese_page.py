"""The consumer page in Chinese (zh-Hans) for export lots: offered for a lot exported to China
or a product named in Chinese, with its language switch, lang and hreflang; every other page
keeps Vietnamese and English only."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from registry.resolution.verdict_table import _FIXED
from tests.factories import make_enterprise, make_export_lot, make_lot, make_product

HTML = {"accept": "text/html"}
LOCALE = Path(__file__).resolve().parents[2] / "service" / "locale"


def _switch(page: str) -> dict[str, str]:
    """hreflang -> link text of the language switch."""
    return dict(re.findall(r'class="lang" href="[^"]*" hreflang="([^"]+)"[^>]*>([^<]+)</a>', page))


def test_an_export_lot_speaks_chinese_when_asked(client: TestClient, db_session: Session) -> None:
    lot = make_export_lot(db_session, enterprise=make_enterprise(db_session))
    path = f"/p/01/{lot.product.gtin}/10/{lot.code}"
    page = client.get(f"{path}?lang=zh", headers=HTML)
    assert page.status_code == 200, page.text
    assert page.headers["content-language"] == "zh-Hans"
    assert '<html lang="zh-Hans">' in page.text
    assert "Ri6 榴莲" in page.text and "已登记产品" in page.text and "生产者" in page.text
    assert _switch(page.text) == {"vi": "Tiếng Việt", "en": "English"}
    # The browser's own preference chooses Chinese too; Vietnamese and English stay as they were.
    preferred = client.get(path, headers={**HTML, "accept-language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh-Hans">' in preferred.text
    vietnamese = client.get(path, headers=HTML)
    assert '<html lang="vi">' in vietnamese.text and "Sản phẩm đã đăng ký" in vietnamese.text
    assert _switch(vietnamese.text) == {"en": "English", "zh-Hans": "中文"}
    english = client.get(f"{path}?lang=en", headers=HTML)
    assert '<html lang="en">' in english.text and "Registered product" in english.text


def test_a_domestic_lot_offers_no_chinese(client: TestClient, db_session: Session) -> None:
    product = make_product(db_session, enterprise=make_enterprise(db_session))
    lot = make_lot(db_session, product=product)
    page = client.get(f"/p/01/{product.gtin}/10/{lot.code}?lang=zh", headers=HTML)
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text and "中文" not in page.text
    assert _switch(page.text) == {"en": "English"}


def test_every_consumer_string_and_verdict_has_chinese() -> None:
    english = json.loads((LOCALE / "en" / "consumer.json").read_text(encoding="utf-8"))
    chinese = json.loads((LOCALE / "zh" / "consumer.json").read_text(encoding="utf-8"))
    assert set(english) <= set(chinese)
    assert all(text.strip() for text in chinese.values())
    assert all(wording.zh for card in _FIXED.values() for wording in card)
