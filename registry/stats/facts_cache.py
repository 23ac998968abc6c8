"""Facts read from the small tables (enterprises, products, the imported register), kept
between page views and used only while those tables are unchanged.

Every page view reads a version of each table in one round trip: row count, highest id
and latest write time (both highest values are the last entry of an index). Any insert,
delete or ORM update changes one of these (deletes change the count; inserts the count
and the time; ORM updates stamp `updated_at`; a register import replaces every row with
new `imported_at`), so a cached fact is never served for data it was not computed from.
(A raw SQL UPDATE that leaves `updated_at` alone would not be seen; nothing in the
project writes those tables so.) Label runs have no write time (voiding sets
`voided_at`) and the scan rollups change with every batch of scans, so neither is
cached here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from registry.enterprises.models import Enterprise
from registry.population.models import PopulationEntry
from registry.products.models import Product

T = TypeVar("T")
# Each page view needs a few entries per period it shows (this one and the previous);
# room for a few dozen periods and filter combinations across a handful of databases.
MAX_ENTRIES = 256


@dataclass(frozen=True)
class Versions:
    """What the small tables looked like when read (see the module docstring)."""

    database: str
    enterprises: tuple[Any, ...]
    register: tuple[Any, ...]
    products: tuple[Any, ...]


def _version_of(id_column: Any, stamp_column: Any) -> list[Any]:
    # Separate scalar subqueries, not one aggregate: alone, max() is a read of the last
    # entry of an index (the primary key; `updated_at` is indexed on the large table)
    # and count() an index-only scan, where together they need a pass over the table.
    table = id_column.table
    return [
        select(func.count()).select_from(table).scalar_subquery(),
        select(func.max(id_column)).scalar_subquery(),
        select(func.max(stamp_column)).scalar_subquery(),
    ]


def read_versions(session: Session) -> Versions:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    versions = (
        *_version_of(Enterprise.id, Enterprise.updated_at),
        *_version_of(PopulationEntry.id, PopulationEntry.imported_at),
        *_version_of(Product.id, Product.updated_at),
    )
    row = session.execute(select(*versions)).one()
    return Versions(
        database=engine.url.render_as_string(hide_password=True),
        enterprises=tuple(row[0:3]),
        register=tuple(row[3:6]),
        products=tuple(row[6:9]),
    )


class FactsCache:
    """A small least-recently-used map, safe to share between request threads."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries

    def get_or_compute(
        self, key: Hashable, compute: Callable[[], T], *, still_valid: Callable[[], bool]
    ) -> T:
        """`still_valid` is asked after computing: a value is kept only if the tables in its
        key did not change meanwhile (on PostgreSQL each statement of a transaction may see
        newer rows than the version read before it)."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return cast(T, self._entries[key])
        # Computed outside the lock: two threads may both compute; both get the same answer.
        value = compute()
        if not still_valid():
            return value
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


FACTS = FactsCache()


def cached(session: Session, versions: Versions, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()` for `versions` of the small tables, from the cache when it is there.
    `key` must name the tables the value is computed from (their parts of `versions`)."""
    return FACTS.get_or_compute(
        key, compute, still_valid=lambda: read_versions(session) == versions
    )
