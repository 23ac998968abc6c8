"""The guard where people meet it: the portal lot form refuses an export lot with a
suspended packhouse (message by the field, nothing stored), packing and shipping steps
of export lots are checked, and each refusal waits in the agency's queue until an
officer has looked into it (both databases)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.actor import SYSTEM
from registry.events.steps import LotQuantity, record_pack, record_shipping
from registry.locations.models import LocationKind
from registry.lots.models import Lot
from registry.lots.service import create_lot
from registry.market_codes.guard import ExportGuardRefused
from registry.market_codes.models import ApprovalStatus, GuardRefusal
from registry.market_codes.service import set_approval
from tests.factories import actor_of, make_location
from tests.market_codes.conftest import World, csrf_of, sign_in


def test_the_portal_form_refuses_and_the_agency_sees_it(
    client: TestClient, db_session: Session, world: World
) -> None:
    set_approval(
        db_session,
        actor=SYSTEM,
        market_code=world.packhouse_code,
        market="CN",
        status=ApprovalStatus.suspended,
        reason="GACC",
    )
    sign_in(client, db_session, role=Role.enterprise, enterprise=world.product.enterprise)
    form = client.get("/portal/lots/new")
    assert 'name="export_market"' in form.text and 'name="packhouse_location_id"' in form.text
    answer = client.post(
        "/portal/lots/new",
        data={
            "csrf_token": csrf_of(form.text),
            "product_id": str(world.product.id),
            "code": "SR-PORTAL-1",
            "production_on": "2026-06-15",
            "quantity": "1.000",
            "unit": "KGM",
            "origin_location_id": str(world.area.id),
            "export_market": "CN",
            "packhouse_location_id": str(world.packhouse.id),
        },
    )
    assert answer.status_code == 400
    assert world.packhouse_code.code in answer.text and "15/06/2026" in answer.text
    assert 'id="f-packhouse_location_id-error"' in answer.text
    db_session.expire_all()
    assert db_session.scalar(select(Lot.id).where(Lot.code == "SR-PORTAL-1")) is None

    sign_in(client, db_session, role=Role.agency)
    queue = client.get("/agency/code-warnings")
    assert 'id="count-code-warnings">(1)' in queue.text
    assert "SR-PORTAL-1" in queue.text and "packhouse_suspended" in queue.text
    (refusal,) = db_session.scalars(select(GuardRefusal))
    done = client.post(
        f"/agency/code-warnings/{refusal.id}/seen",
        data={"csrf_token": csrf_of(queue.text), "note": "Đã gọi HTX, dừng xuất lô này"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert 'id="count-code-warnings">(0)' in client.get("/agency/code-warnings").text
    again = client.post(
        f"/agency/code-warnings/{refusal.id}/seen",
        data={"csrf_token": csrf_of(queue.text), "note": "lần hai"},
    )
    assert again.status_code == 404


def _export_lot(session: Session, world: World, code: str) -> Lot:
    return create_lot(
        session,
        actor=actor_of(world.product.enterprise),
        product=world.product,
        code=code,
        production_on=dt.date(2026, 6, 15),
        quantity=Decimal(500),
        unit="KGM",
        origin_location=world.area,
        export_market="CN",
        packhouse_location=world.packhouse,
    )


def test_packing_elsewhere_and_shipping_a_revoked_area_are_refused(
    db_session: Session, world: World
) -> None:
    actor = actor_of(world.product.enterprise)
    harvested = _export_lot(db_session, world, "SR-IN")
    packed = _export_lot(db_session, world, "SR-OUT")
    elsewhere = make_location(
        db_session, enterprise=world.product.enterprise, kind=LocationKind.packhouse
    )
    with pytest.raises(ExportGuardRefused) as caught:
        record_pack(
            db_session,
            actor=actor,
            inputs=[LotQuantity(harvested, Decimal(500), "KGM")],
            outputs=[LotQuantity(packed, Decimal(480), "KGM")],
            location=elsewhere,
        )
    assert caught.value.rule == "packhouse_other" and elsewhere.name in caught.value.message_en
    record_pack(
        db_session,
        actor=actor,
        inputs=[LotQuantity(harvested, Decimal(500), "KGM")],
        outputs=[LotQuantity(packed, Decimal(480), "KGM")],
        location=world.packhouse,
    )
    set_approval(
        db_session,
        actor=SYSTEM,
        market_code=world.area_code,
        market="CN",
        status=ApprovalStatus.revoked,
        reason="Mã bị mượn",
    )
    with pytest.raises(ExportGuardRefused) as caught:
        record_shipping(
            db_session,
            actor=actor,
            from_location=world.packhouse,
            to_gln="8930000000019",
            lot=LotQuantity(packed, Decimal(480), "KGM"),
        )
    assert caught.value.rule == "area_revoked" and caught.value.attempt is not None
    assert caught.value.attempt.what == "shipping"
    assert db_session.scalar(select(func.count()).select_from(GuardRefusal)) == 0
