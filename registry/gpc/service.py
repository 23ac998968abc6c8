"""Loading the GPC publication and looking bricks up."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session

from registry.actor import Actor, ensure_officer
from registry.audit.service import record_change
from registry.errors import InvalidInput
from registry.gpc.load import CODE, read_gpc
from registry.gpc.models import GpcCategory, GpcLevel

_BATCH: Final = 1000
# A small sample in GS1's GPC XML layout for tests and the demo (tests/data/README.md).
SAMPLE_GPC: Final = Path(__file__).with_name("gpc-sample-en.xml")
MAX_QUERY_LENGTH: Final = 100


@dataclass(frozen=True)
class GpcLoad:
    segments: int
    families: int
    classes: int
    bricks: int


def load_gpc(session: Session, *, actor: Actor, stream: IO[bytes]) -> GpcLoad:
    """Replace the loaded GPC with the publication in `stream` (all or nothing)."""
    ensure_officer(actor)
    counts: Counter[GpcLevel] = Counter()
    session.execute(delete(GpcCategory))
    batch: list[dict[str, object]] = []
    for entry in read_gpc(stream):
        counts[entry.level] += 1
        batch.append(
            {
                "code": entry.code,
                "level": entry.level,
                "title": entry.title,
                "parent_code": entry.parent_code,
            }
        )
        if len(batch) >= _BATCH:
            session.execute(insert(GpcCategory), batch)
            batch = []
    if batch:
        session.execute(insert(GpcCategory), batch)
    if not counts[GpcLevel.brick]:
        raise InvalidInput(
            "Tệp không có brick GPC nào.", "The file has no GPC bricks.", field="file"
        )
    result = GpcLoad(
        segments=counts[GpcLevel.segment],
        families=counts[GpcLevel.family],
        classes=counts[GpcLevel.class_],
        bricks=counts[GpcLevel.brick],
    )
    record_change(
        session, actor=actor, action="load", entity="gpc", entity_id="gpc", after=vars(result)
    )
    session.flush()
    return result


def count_bricks(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(GpcCategory).where(GpcCategory.level == GpcLevel.brick)
        )
        or 0
    )


def find_brick(session: Session, code: str) -> GpcCategory | None:
    if not CODE.fullmatch(code):
        return None
    brick = session.get(GpcCategory, code)
    return brick if brick is not None and brick.level == GpcLevel.brick else None


def brick_titles(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """The titles of those codes that are bricks of the loaded GPC."""
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    rows = session.execute(
        select(GpcCategory.code, GpcCategory.title).where(
            GpcCategory.level == GpcLevel.brick, GpcCategory.code.in_(wanted)
        )
    )
    return {code: title for code, title in rows}


def search_bricks(session: Session, *, text: str, limit: int = 30) -> list[GpcCategory]:
    """Bricks whose code starts with, or whose title or class title contains, the text."""
    words = text.strip()[:MAX_QUERY_LENGTH]
    if not words:
        return []
    like = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    parent = select(GpcCategory.code).where(
        GpcCategory.level == GpcLevel.class_, GpcCategory.title.ilike(like, escape="\\")
    )
    statement = (
        select(GpcCategory)
        .where(
            GpcCategory.level == GpcLevel.brick,
            or_(
                GpcCategory.code.startswith(words, autoescape=True),
                GpcCategory.title.ilike(like, escape="\\"),
                GpcCategory.parent_code.in_(parent),
            ),
        )
        .order_by(GpcCategory.title)
        .limit(limit)
    )
    return list(session.scalars(statement))
