"""The export guard on both databases: a lot for a market needs a growing-area code and a
packhouse code active for that market on the harvest date, and the area's season total
stays under area × the crop's yield ceiling. Refusals name the code, market and date,
store nothing, and land in the agency's queue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.actor import SYSTEM, Actor
from registry.locations.models import LocationKind
from registry.lots.models import Lot
from registry.lots.service import create_lot
from registry.market_codes.guard import ExportGuardRefused
from registry.market_codes.models import ApprovalStatus, GuardRefusal
from registry.market_codes.service import (
    active_code,
    check_export_lot,
    export_codes_for_lot,
    set_approval,
    set_yield_ceiling,
)
from tests.factories import actor_of, api_headers, make_enterprise, make_location
from tests.market_codes.conftest import World

HARVEST = dt.date(2026, 6, 15)


def _lot(
    session: Session,
    world: World,
    *,
    market: str | None = "CN",
    quantity: str = "1000",
    unit: str = "KGM",
    production_on: dt.date = HARVEST,
    code: str | None = None,
) -> Lot:
    return create_lot(
        session,
        actor=actor_of_world(world),
        product=world.product,
        code=code or f"SR{session.scalar(select(func.count()).select_from(Lot))}X",
        production_on=production_on,
        quantity=Decimal(quantity),
        unit=unit,
        origin_location=world.area,
        export_market=market,
        packhouse_location=world.packhouse,
    )


def actor_of_world(world: World) -> Actor:
    return actor_of(world.product.enterprise)


def _refusal(session: Session, lot: Lot) -> ExportGuardRefused:
    with pytest.raises(ExportGuardRefused) as caught:
        check_export_lot(session, lot)
    return caught.value


def test_a_lot_with_both_codes_active_passes_and_names_them(
    db_session: Session, world: World
) -> None:
    lot = _lot(db_session, world)
    check_export_lot(db_session, lot)
    codes = export_codes_for_lot(db_session, lot)
    assert codes is not None
    assert codes.market == "CN"
    assert codes.growing_area_code == world.area_code.code
    assert codes.growing_area_name == world.area.name
    assert codes.packhouse_code == world.packhouse_code.code
    assert codes.packhouse_name == world.packhouse.name
    assert export_codes_for_lot(db_session, _lot(db_session, world, market=None)) is None


def test_an_area_without_a_code_is_refused(db_session: Session, world: World) -> None:
    bare = make_location(
        db_session, enterprise=world.product.enterprise, kind=LocationKind.growing_area
    )
    lot = _lot(db_session, world)
    lot.origin_location_id = bare.id
    error = _refusal(db_session, lot)
    assert error.rule == "area_no_code" and error.field == "origin_location_id"
    assert bare.name in error.message_vi and "Trung Quốc (CN)" in error.message_vi
    assert "China (CN)" in error.message_en


def test_a_code_approved_for_another_market_is_refused(db_session: Session, world: World) -> None:
    lot = _lot(db_session, world, market="AU")
    error = _refusal(db_session, lot)
    assert error.rule == "area_wrong_market" and error.code == world.area_code.code
    assert world.area_code.code in error.message_en and "Australia (AU)" in error.message_en
    assert "Úc (AU)" in error.message_vi


def test_a_suspended_packhouse_is_refused(db_session: Session, world: World) -> None:
    set_approval(
        db_session,
        actor=SYSTEM,
        market_code=world.packhouse_code,
        market="CN",
        status=ApprovalStatus.suspended,
        reason="GACC tạm dừng",
    )
    lot = _lot(db_session, world)
    error = _refusal(db_session, lot)
    assert error.rule == "packhouse_suspended" and error.field == "packhouse_location_id"
    assert world.packhouse_code.code in error.message_vi and "15/06/2026" in error.message_vi
    assert "suspended" in error.message_en and "2026-06-15" in error.message_en
    # Reinstated, the same lot passes.
    set_approval(
        db_session,
        actor=SYSTEM,
        market_code=world.packhouse_code,
        market="CN",
        status=ApprovalStatus.active,
        reason="GACC khôi phục",
    )
    check_export_lot(db_session, lot)


def test_a_revoked_area_code_is_refused(db_session: Session, world: World) -> None:
    set_approval(
        db_session,
        actor=SYSTEM,
        market_code=world.area_code,
        market="CN",
        status=ApprovalStatus.revoked,
        reason="Mượn mã",
    )
    error = _refusal(db_session, _lot(db_session, world))
    assert error.rule == "area_revoked" and "bị thu hồi" in error.message_vi
    # Thailand's approval of the same code is its own: still active.
    check_export_lot(db_session, _lot(db_session, world, market="TH"))


def test_a_code_expired_on_the_harvest_date_is_refused(db_session: Session, world: World) -> None:
    lot = _lot(db_session, world, production_on=dt.date(2027, 1, 2))
    error = _refusal(db_session, lot)
    assert error.rule == "area_expired"
    assert "31/12/2026" in error.message_vi and "02/01/2027" in error.message_vi
    assert active_code(db_session, location_id=world.area.id, market="CN", on=dt.date(2026, 12, 31))
    assert (
        active_code(db_session, location_id=world.area.id, market="CN", on=dt.date(2027, 1, 1))
        is None
    )


def test_the_season_total_stays_under_area_times_the_yield_ceiling(
    db_session: Session, world: World
) -> None:
    # 2.5 ha × 20 t/ha = 50,000 kg in the season starting 1 May.
    set_yield_ceiling(
        db_session,
        actor=SYSTEM,
        crop="  sầu  RIÊNG ",
        tonnes_per_ha=Decimal(20),
        season_start_month=5,
    )
    check_export_lot(db_session, _lot(db_session, world, quantity="30", unit="TNE"))
    # The season before (April) does not count against this one.
    check_export_lot(
        db_session, _lot(db_session, world, quantity="40000", production_on=dt.date(2026, 4, 30))
    )
    check_export_lot(db_session, _lot(db_session, world, quantity="20000"))
    over = _lot(db_session, world, quantity="0.001", unit="TNE", market="TH")
    error = _refusal(db_session, over)
    assert error.rule == "quantity_ceiling" and error.code == world.area_code.code
    assert "50.000 kg" in error.message_vi and "là 50.001 kg" in error.message_vi
    assert "01/05/2026–30/04/2027" in error.message_vi
    assert "is 50001 kg" in error.message_en and "2.5 ha × 20 t/ha" in error.message_en


def test_an_export_lot_in_litres_is_refused(db_session: Session, world: World) -> None:
    error = _refusal(db_session, _lot(db_session, world, unit="LTR"))
    assert error.rule == "unit" and "KGM" in error.message_en and "TNE" in error.message_vi


def test_a_domestic_lot_is_not_checked(db_session: Session, world: World) -> None:
    check_export_lot(db_session, _lot(db_session, world, market=None, unit="LTR"))


def _lot_body(world: World, code: str, **changes: object) -> dict[str, object]:
    return {
        "product_id": world.product.id,
        "code": code,
        "production_on": HARVEST.isoformat(),
        "quantity": "500",
        "unit": "KGM",
        "origin_location_id": world.area.id,
        "packhouse_location_id": world.packhouse.id,
        "export_market": "CN",
        **changes,
    }


def test_the_api_refuses_stores_nothing_and_queues_the_attempt(
    client: TestClient, db_session: Session, world: World
) -> None:
    set_approval(
        db_session,
        actor=SYSTEM,
        market_code=world.packhouse_code,
        market="CN",
        status=ApprovalStatus.suspended,
        reason="GACC tạm dừng",
    )
    headers = api_headers(db_session, enterprise=world.product.enterprise)
    lots_before = db_session.scalar(select(func.count()).select_from(Lot))
    answer = client.post(
        "/api/v1/lots",
        json=_lot_body(world, "SR-EXPORT-1", export_market="cn"),
        headers=headers,
    )
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert world.packhouse_code.code in problem["message_en"]
    assert "China (CN)" in problem["message_en"] and "2026-06-15" in problem["message_en"]
    assert problem["errors"][0]["field"] == "packhouse_location_id"
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Lot)) == lots_before
    (queued,) = db_session.scalars(
        select(GuardRefusal).where(GuardRefusal.enterprise_id == world.product.enterprise_id)
    )
    assert (queued.rule, queued.market, queued.lot_code, queued.lot_id) == (
        "packhouse_suspended",
        "CN",
        "SR-EXPORT-1",
        None,
    )
    assert queued.code == world.packhouse_code.code and queued.attempt == "lot"


def test_the_api_refuses_another_enterprise_packhouse(
    client: TestClient, db_session: Session, world: World
) -> None:
    other = make_enterprise(db_session)
    borrowed = make_location(db_session, enterprise=other, kind=LocationKind.packhouse)
    headers = api_headers(db_session, enterprise=world.product.enterprise)
    answer = client.post(
        "/api/v1/lots",
        json=_lot_body(world, "SR-EXPORT-2", packhouse_location_id=borrowed.id),
        headers=headers,
    )
    assert answer.status_code == 404, answer.text
    assert db_session.scalar(select(Lot.id).where(Lot.code == "SR-EXPORT-2")) is None


def test_the_api_creates_and_updates_an_export_lot(
    client: TestClient, db_session: Session, world: World
) -> None:
    headers = api_headers(db_session, enterprise=world.product.enterprise)
    answer = client.post(
        "/api/v1/lots",
        json=_lot_body(world, "SR-EXPORT-3"),
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["export_market"] == "CN" and body["packhouse_location_id"] == world.packhouse.id
    moved = client.patch(
        f"/api/v1/lots/{body['id']}", json={"export_market": "AU"}, headers=headers
    )
    assert moved.status_code == 422, moved.text
    db_session.expire_all()
    stored = db_session.get(Lot, body["id"])
    assert stored is not None and stored.export_market == "CN"
    (queued,) = db_session.scalars(
        select(GuardRefusal).where(GuardRefusal.enterprise_id == world.product.enterprise_id)
    )
    assert queued.lot_id == body["id"] and queued.rule == "area_wrong_market"
