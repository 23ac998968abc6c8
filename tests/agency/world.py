"""A province in miniature for the statistics tests, built through the real services,
with timestamps moved into a fixed past period (2025-Q3, previous 2025-Q2)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from registry.actor import SYSTEM
from registry.enterprises.models import Enterprise, EnterpriseKind, EnterpriseStatus
from registry.enterprises.service import reject_enterprise
from registry.events.models import EpcisEvent, EventEpc, TraceLink
from registry.lots.models import Lot
from registry.population.service import import_population
from registry.print_runs.models import LabelRun, RunStatus
from registry.print_runs.service import create_run, void_run
from registry.products.models import Product
from registry.scans.models import Scan
from registry.scans.recorder import Place, ScanRecord, write_batch
from tests.factories import make_enterprise, make_lot, make_product

UTC = dt.UTC
WARDS = ("28360", "28249", "28261")  # Cái Bè, Đạo Thạnh, Mỹ Tho (current units of 82)
SECTORS = ("Nông sản", "Thủy sản", "Thực phẩm chế biến")
UNREGISTERED_GTIN = "08939999999997"
VERDICTS = ("genuine", "genuine", "genuine", "genuine", "recalled", "expired", "suspicious_copy")
PERIOD = "2025-Q3"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class World:
    enterprises: list[Enterprise]
    products: list[Product]
    lots: list[Lot]
    runs: list[LabelRun]
    register_csv: str
    complete_lot: Lot
    incomplete_lot: Lot
    extra: dict[str, object] = field(default_factory=dict)


def _event(
    session: Session,
    *,
    ident: str,
    kind: str,
    step: str | None,
    when: dt.datetime,
    lots: list[tuple[str, str]],
) -> EpcisEvent:
    event = EpcisEvent(
        event_id=f"urn:uuid:{ident}",
        content_hash=f"ni:///sha-256;{ident}",
        event_type=kind,
        event_time=when,
        action="ADD" if kind == "ObjectEvent" else None,
        biz_step=step,
        document={},
    )
    session.add(event)
    session.flush()
    for role, node in lots:
        session.add(EventEpc(event_pk=event.id, role=role, epc=node, lot_key=node, node=node))
    return event


def lot_node(lot: Lot) -> str:
    return f"https://id.gs1.org/01/{lot.product.gtin}/10/{lot.code}"


def build_world(session: Session, *, seed: int = 7, scans: int = 400) -> World:
    rng = random.Random(seed)
    kinds = list(EnterpriseKind)
    enterprises = []
    for index in range(9):
        enterprise = make_enterprise(
            session,
            legal_name=f"Cơ sở Thống kê {index}",
            kind=kinds[index % 3],
            ward_code=WARDS[index % 3],
            sector=SECTORS[(index // 3) % 3],
        )
        # Registered across 2025-Q2 and 2025-Q3, one just after the end of Q3 (local time).
        enterprise.created_at = [
            at("2025-04-10T03:00"),
            at("2025-05-02T03:00"),
            at("2025-06-30T16:59"),
            at("2025-06-30T17:01"),
            at("2025-07-15T03:00"),
            at("2025-08-20T03:00"),
            at("2025-09-30T16:00"),
            at("2025-09-30T17:30"),
            at("2025-03-01T03:00"),
        ][index]
        enterprise.verified_at = enterprise.created_at + dt.timedelta(days=5)
        enterprises.append(enterprise)
    products: list[Product] = []
    lots: list[Lot] = []
    for index, enterprise in enumerate(enterprises):
        for number in range(2):
            product = make_product(session, enterprise=enterprise)
            product.created_at = enterprise.created_at + dt.timedelta(days=3 + 20 * number)
            products.append(product)
            lot = make_lot(session, product=product, code=f"S{index}N{number}")
            lot.created_at = product.created_at
            lots.append(lot)
    runs = []
    run_times = [
        at("2025-05-01T02:00"),
        at("2025-07-02T18:00"),
        at("2025-08-01T02:00"),
        at("2025-09-30T16:30"),
        at("2025-09-30T17:30"),
        at("2025-06-15T02:00"),
    ]
    for index, (when, owner) in enumerate(zip(run_times, (0, 1, 2, 4, 6, 5), strict=True)):
        run = create_run(
            session,
            actor=SYSTEM,
            lot=lots[owner * 2],
            count=10 * (index + 1),
            serialized=True,
            layout="roll-50x30",
        )
        run.created_at = when
        # Rendered long ago: nothing for a starting server to resume.
        run.status = RunStatus.done
        run.finished_at = when
        runs.append(run)
    void_run(session, actor=SYSTEM, run=runs[2], reason="in lỗi")
    # Statuses set after the runs: the status policy lets only verified enterprises print.
    enterprises[5].status = EnterpriseStatus.pending
    enterprises[5].verified_at = None
    reject_enterprise(session, actor=SYSTEM, enterprise=enterprises[8], reason="Hồ sơ sai")
    session.flush()

    records = []
    gtins = [p.gtin for p in products] + [UNREGISTERED_GTIN]
    start = at("2025-05-25T00:00")
    for _ in range(scans):
        moment = start + dt.timedelta(minutes=rng.randrange(0, 140 * 24 * 60))
        place = rng.choice([Place(), Place("82", rng.choice(WARDS)), Place("79", None)])
        records.append(
            ScanRecord(
                scanned_at=moment,
                gtin=rng.choice(gtins),
                lot=None,
                serial=None,
                verdict=rng.choice(VERDICTS),
                device_hash=f"{rng.randrange(10**8):032d}",
                agent_class=rng.choice(["mobile"] * 8 + ["desktop", "bot"]),
                place=place,
            )
        )
    # Boundary cases: 00:30 on 1 July in Vietnam is still 30 June in UTC.
    records.append(
        ScanRecord(
            at("2025-06-30T17:30"), products[0].gtin, None, None, "genuine", "b" * 32, "mobile"
        )
    )
    # Enterprise 3's only Q3 scan, on 2 July: before the 90-day window of Q3.
    records.append(
        ScanRecord(
            at("2025-07-02T05:00"), products[6].gtin, None, None, "genuine", "c" * 32, "mobile"
        )
    )
    gtins_of_3 = {products[6].gtin, products[7].gtin}
    records = [
        r
        for r in records
        if r.gtin not in gtins_of_3
        or r.scanned_at < at("2025-06-01T00:00")
        or r.scanned_at == at("2025-07-02T05:00")
    ]
    for offset in range(0, len(records), 97):
        batch = records[offset : offset + 97]
        # write_batch moves the statistics rollups too, as the live recorder does.
        write_batch(session, batch)

    # Traceability: lots[0] harvested one step back, packed by transformation, shipped.
    raw = "https://id.gs1.org/01/08930000000017/10/RAW1"
    complete, incomplete = lots[0], lots[2]
    _event(
        session,
        ident="h1",
        kind="ObjectEvent",
        step="commissioning",
        when=at("2025-07-01T00:00"),
        lots=[("quantity", raw)],
    )
    transform = _event(
        session,
        ident="t1",
        kind="TransformationEvent",
        step=None,
        when=at("2025-07-02T00:00"),
        lots=[("input", raw), ("output", lot_node(complete))],
    )
    session.add(
        TraceLink(
            from_node=raw, to_node=lot_node(complete), kind="transform", event_pk=transform.id
        )
    )
    _event(
        session,
        ident="s1",
        kind="ObjectEvent",
        step="https://ref.gs1.org/cbv/BizStep-shipping",
        when=at("2025-07-03T00:00"),
        lots=[("quantity", lot_node(complete))],
    )
    # Packed and shipped but no harvest anywhere: incomplete.
    _event(
        session,
        ident="p2",
        kind="ObjectEvent",
        step="packing",
        when=at("2025-07-03T00:00"),
        lots=[("quantity", lot_node(incomplete))],
    )
    _event(
        session,
        ident="s2",
        kind="ObjectEvent",
        step="shipping",
        when=at("2025-07-04T00:00"),
        lots=[("quantity", lot_node(incomplete))],
    )
    # Full chain but shipped only after the period: complete in 2025-Q4, not Q3.
    late = lots[4]
    _event(
        session,
        ident="h3",
        kind="ObjectEvent",
        step="urn:epcglobal:cbv:bizstep:commissioning",
        when=at("2025-07-05T00:00"),
        lots=[("quantity", lot_node(late))],
    )
    _event(
        session,
        ident="p3",
        kind="ObjectEvent",
        step="packing",
        when=at("2025-07-06T00:00"),
        lots=[("quantity", lot_node(late))],
    )
    _event(
        session,
        ident="s3",
        kind="ObjectEvent",
        step="shipping",
        when=at("2025-10-06T00:00"),
        lots=[("quantity", lot_node(late))],
    )
    session.flush()

    lines = ["Mã số thuế;Tên;Phường/xã;Ngành;Loại hình"]
    for index, enterprise in enumerate(enterprises[:6]):
        lines.append(
            f"{enterprise.tax_code};{enterprise.legal_name};"
            f"{['Xã Cái Bè', '28249', 'Mỹ Tho'][index % 3]};{enterprise.sector};"
            f"{['Công ty TNHH', 'Hợp tác xã', 'Hộ kinh doanh'][index % 3]}"
        )
    others = ["0100109106", "0300588569", "0301452948", "0302035520"]
    for index, code in enumerate(others):
        lines.append(f"{code};Cơ sở chưa tham gia {index};{WARDS[index % 3]};{SECTORS[0]};")
    register_csv = "\n".join(lines) + "\n"
    import_population(session, actor=SYSTEM, data=register_csv.encode())
    session.flush()
    return World(enterprises, products, lots, runs, register_csv, complete, incomplete)


def all_scans(session: Session) -> list[Scan]:
    return list(session.query(Scan))
