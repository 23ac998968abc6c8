"""Finding a product the way an officer types it: part of its name, with or without
diacritics ("mam ca linh" finds "Mắm cá linh"), or its GTIN (8 to 14 digits, or part)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.gs1 import GS1Error, parse_gtin
from registry.products.models import Product
from registry.vn.text import fold_vietnamese, vietnamese_sort_key

MAX_QUERY_LENGTH = 200
MIN_GTIN_DIGITS = 4


def search_products(session: Session, text: str, *, limit: int = 50) -> list[Product]:
    query = text.strip()[:MAX_QUERY_LENGTH]
    digits = query.replace(" ", "")
    if digits.isdigit() and len(digits) >= MIN_GTIN_DIGITS:
        return _by_gtin(session, digits, limit=limit)
    folded = fold_vietnamese(query)
    if not folded:
        return []
    # Names are matched without diacritics, which neither database does alike; the
    # registry's product list (a province's, tens of thousands) is read as names only.
    names = session.execute(select(Product.id, Product.name_vi, Product.name_en, Product.brand))
    ids = [
        product_id
        for product_id, *words in names
        if any(folded in fold_vietnamese(word) for word in words if word)
    ][:limit]
    found = session.scalars(select(Product).where(Product.id.in_(ids)))
    return sorted(found, key=lambda p: vietnamese_sort_key(p.name_vi))


def _by_gtin(session: Session, digits: str, *, limit: int) -> list[Product]:
    try:
        whole = parse_gtin(digits).gtin14
    except GS1Error:
        whole = None
    statement = select(Product).order_by(Product.gtin).limit(limit)
    if whole is not None:
        exact = list(session.scalars(statement.where(Product.gtin == whole)))
        if exact:
            return exact
    return list(session.scalars(statement.where(Product.gtin.contains(digits))))
