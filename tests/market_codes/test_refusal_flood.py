"""An enterprise repeating refused export lots does not fill the agency's queue without
bound: the same refusal, still unseen, is queued once; past the cap of unseen refusals
nothing more is queued. Every attempt is still refused and stores no lot (both DBs)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.lots.models import Lot
from registry.market_codes.guard import MAX_UNSEEN_REFUSALS
from registry.market_codes.models import GuardRefusal
from tests.factories import api_headers, make_enterprise, make_product


def _queued(session: Session, enterprise_id: int) -> int:
    session.expire_all()
    count = session.scalar(
        select(func.count())
        .select_from(GuardRefusal)
        .where(GuardRefusal.enterprise_id == enterprise_id)
    )
    return int(count or 0)


def test_repeated_and_varied_refusals_are_bounded(client: TestClient, db_session: Session) -> None:
    enterprise = make_enterprise(db_session)
    product = make_product(db_session, enterprise=enterprise)
    headers = api_headers(db_session, enterprise=enterprise)
    lots_before = db_session.scalar(select(func.count()).select_from(Lot))

    def attempt(code: str) -> None:
        # An export lot naming no growing area: refused by the guard (area_missing).
        body = {"product_id": product.id, "code": code, "export_market": "CN"}
        answer = client.post("/api/v1/lots", json=body, headers=headers)
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == "origin_location_id"

    for _ in range(3):
        attempt("FLOOD-1")
    assert _queued(db_session, enterprise.id) == 1
    # Once the officer has seen it, the same attempt is news again.
    db_session.execute(
        GuardRefusal.__table__.update()
        .where(GuardRefusal.enterprise_id == enterprise.id)
        .values(seen_by="officer", seen_at=func.now())
    )
    db_session.flush()
    attempt("FLOOD-1")
    assert _queued(db_session, enterprise.id) == 2

    # Varying the lot code: the unseen share stops at the cap (filled here directly).
    seen = GuardRefusal.__table__
    db_session.execute(
        seen.insert(),
        [
            {
                "enterprise_id": enterprise.id,
                "product_id": product.id,
                "lot_code": f"F{n}",
                "market": "CN",
                "rule": "area_missing",
                "attempt": "lot",
                "message_vi": "x",
                "message_en": "x",
                "actor": "x",
            }
            for n in range(MAX_UNSEEN_REFUSALS - 2)
        ],
    )
    db_session.flush()
    attempt("FLOOD-2")
    attempt("FLOOD-3")
    attempt("FLOOD-4")
    assert _queued(db_session, enterprise.id) == 1 + MAX_UNSEEN_REFUSALS
    assert db_session.scalar(select(func.count()).select_from(Lot)) == lots_before
