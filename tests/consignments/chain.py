"""An export chain on both databases: a growing area and a packhouse, a harvest lot packed
into an export lot, and an API key of the exporting enterprise (tests/consignments and the
portal's consignment pages)."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.models import KeyScope, Role
from registry.actor import SYSTEM
from registry.audit.models import AuditEntry
from registry.consignments.models import Consignment, ConsignmentLot
from registry.enterprises.models import Enterprise
from registry.events.models import EpcisEvent
from registry.events.steps import VIETNAM, LotQuantity, record_harvest, record_pack
from registry.locations.models import Location, LocationKind
from registry.lots.models import Lot
from registry.lots.service import create_lot
from registry.market_codes.models import MarketCode
from registry.market_codes.service import record_code
from tests.factories import actor_of, api_headers, make_enterprise, make_location, make_product

CONTAINER = "CSQU3054383"  # ISO 6346's own example


@dataclass
class ExportChain:
    enterprise: Enterprise
    headers: dict[str, str]
    growing_area: Location
    packhouse: Location
    harvest_lot: Lot
    export_lot: Lot
    area_code: MarketCode
    packhouse_code: MarketCode

    def body(self, **changes: Any) -> dict[str, Any]:
        """A valid API body for a consignment of the export lot."""
        body: dict[str, Any] = {
            "location_id": self.packhouse.id,
            "market": "CN",
            "lots": [{"lot_id": self.export_lot.id, "quantity": "18000", "unit": "KGM"}],
            "importer": {
                "name": "Guangxi Pingxiang Fruit Trading Co.",
                "country": "CN",
                "address": "Pingxiang, Guangxi",
            },
            "certificate_number": "KDTV-2026/0815",
            "additional_declarations": "The consignment is free from Thrips palmi.",
            "treatment": {"kind": "vapour_heat", "temperature_c": "47.5", "duration_minutes": 20},
            "lab_results": [
                {
                    "lab": "Trung tâm Kỹ thuật TĐC 4",
                    "report_number": "KQ-2026-3311",
                    "analyte": "Cadimi (Cd)",
                    "result": "0,01 mg/kg",
                    "limit": "0,05 mg/kg",
                    "passed": True,
                }
            ],
            "container_number": CONTAINER,
            "seal_numbers": ["VN778812", "VN778813"],
            "departed_on": dt.date.today().isoformat(),
            "port_of_loading": "Cửa khẩu Hữu Nghị (VNHNG)",
            "port_of_discharge": "Youyiguan, Pingxiang (CNPXG)",
        }
        for key, value in changes.items():
            body[key] = value
        return copy.deepcopy(body)


def build_export_chain(session: Session, *, enterprise: Enterprise | None = None) -> ExportChain:
    if enterprise is None:
        enterprise = make_enterprise(session, legal_name="Hợp tác xã Sầu riêng Ngũ Hiệp")
    product = make_product(
        session, enterprise=enterprise, name_vi="Sầu riêng Ri6", name_en="Ri6 durian",
        name_zh="榴莲",
    )  # fmt: skip
    area = make_location(session, enterprise=enterprise, kind=LocationKind.growing_area)
    packhouse = make_location(session, enterprise=enterprise, kind=LocationKind.packhouse)
    area_code = record_code(
        session, actor=SYSTEM, location=area, code=f"VN-DTOR-{area.id:04d}", markets=["CN", "TH"],
        crop="Sầu riêng",
    )  # fmt: skip
    packhouse_code = record_code(
        session, actor=SYSTEM, location=packhouse, code=f"VN-DTPH-{packhouse.id:04d}",
        markets=["CN"],
    )  # fmt: skip
    actor = actor_of(enterprise)
    harvested_on = dt.date.today() - dt.timedelta(days=3)
    harvest = create_lot(
        session, actor=actor, product=product, code="SR-VUON-01", production_on=harvested_on,
        quantity=Decimal(20000), unit="KGM", origin_location=area, export_market="CN",
        packhouse_location=packhouse,
    )  # fmt: skip
    export = create_lot(
        session, actor=actor, product=product, code="SR-CN-0815", production_on=harvested_on,
        quantity=Decimal(18000), unit="KGM", origin_location=area, export_market="CN",
        packhouse_location=packhouse,
    )  # fmt: skip
    record_harvest(
        session, actor=actor, lot=harvest, location=area, harvested_on=harvested_on,
        quantity=Decimal(20000), unit="KGM", growing_area=area,
    )  # fmt: skip
    record_pack(
        session, actor=actor, inputs=[LotQuantity(harvest)], outputs=[LotQuantity(export)],
        location=packhouse, occurred_at=dt.datetime.combine(harvested_on, dt.time(16), VIETNAM),
    )  # fmt: skip
    return ExportChain(
        enterprise=enterprise,
        headers=api_headers(session, enterprise=enterprise),
        growing_area=area,
        packhouse=packhouse,
        harvest_lot=harvest,
        export_lot=export,
        area_code=area_code,
        packhouse_code=packhouse_code,
    )


def counts(session: Session) -> tuple[int, ...]:
    """What a refused consignment must leave as it was."""
    return tuple(
        int(session.scalar(select(func.count()).select_from(model)) or 0)
        for model in (Consignment, ConsignmentLot, EpcisEvent, AuditEntry)
    )


def other_headers(
    session: Session, *, role: Role = Role.enterprise, read_only: bool = False
) -> dict[str, str]:
    scope = KeyScope.read if read_only else KeyScope.write
    if role is Role.enterprise:
        return api_headers(session, enterprise=make_enterprise(session), scope=scope)
    return api_headers(session, role=role, scope=scope)
