"""Consignments: the shipping event they are (schema, hash, query), the dossier (PDF and
EPCIS document) and who may have it, and every refusal leaving the database as it was."""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from jsonschema import Draft7Validator, FormatChecker
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts.models import Role
from registry.actor import SYSTEM
from registry.audit.models import AuditEntry
from registry.events.hashing import context_namespaces, event_hash
from registry.events.journey import lot_journey
from registry.events.models import EpcisEvent
from registry.events.steps import CONTEXT
from registry.events.vocabulary import TRUYXUAT_NS
from registry.events.xml.read import read_epcis_xml
from registry.events.xml.schemas import epcis_schema, safe_parser
from registry.locations.models import LocationKind
from registry.lots.service import create_lot
from registry.market_codes.models import ApprovalStatus, GuardRefusal
from registry.market_codes.service import set_approval
from tests.consignments.chain import CONTAINER, ExportChain, counts, other_headers
from tests.events.oracle import oracle_hash
from tests.factories import actor_of, make_enterprise, make_location, make_lot, make_product
from tests.testdata import load_json

VALIDATOR = Draft7Validator(
    load_json("epcis", "EPCIS-JSON-Schema.json"), format_checker=FormatChecker()
)
API = "/api/v1/consignments"


def _events(document: dict[str, Any]) -> list[dict[str, Any]]:
    body = document["epcisBody"]
    events: list[dict[str, Any]] = (
        body["queryResults"]["resultsBody"]["eventList"]
        if "queryResults" in body
        else body["eventList"]
    )
    return events


def test_a_consignment_is_a_shipping_event_that_validates_hashes_and_queries_back(
    chain: ExportChain, client: TestClient, db_session: Session
) -> None:
    created = client.post(API, json=chain.body(), headers=chain.headers)
    assert created.status_code == 201, created.text
    consignment = created.json()
    assert consignment["container_number"] == CONTAINER
    ((shipped_lot,),) = [consignment["lots"]]
    assert (shipped_lot["lot_id"], Decimal(shipped_lot["quantity"])) == (chain.export_lot.id, 18000)
    fetched = client.get(f"{API}/{consignment['id']}", headers=chain.headers).json()
    assert fetched["event_id"] == consignment["event_id"] and fetched["seal_numbers"] == [
        "VN778812",
        "VN778813",
    ]
    lot = chain.body()["lots"][0]
    again = client.post(
        API, json=chain.body(lots=[{**lot, "quantity": "1"}]), headers=chain.headers
    )
    assert again.status_code == 422 and "only 0 kg left" in again.json()["message_en"]
    listed = client.get(API, params={"market": "CN"}, headers=chain.headers).json()
    assert [c["id"] for c in listed["items"]] == [consignment["id"]]

    answer = client.get(
        "/epcis/events",
        params={
            "EQ_bizStep": "shipping",
            "EQ_tx:market": "CN",
            "EQ_INNER_tx:number": CONTAINER,
            "EQ_INNER_tx:certificateNumber": "KDTV-2026/0815",
        },
        headers=chain.headers,
    )
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert not list(VALIDATOR.iter_errors(document))
    (event,) = _events(document)
    assert event["eventID"] == consignment["event_id"]
    assert (event["action"], event["bizStep"], event["disposition"]) == (
        "OBSERVE",
        "shipping",
        "in_transit",
    )
    assert event["quantityList"] == [
        {
            "epcClass": f"https://id.gs1.org/01/{chain.export_lot.product.gtin}/10/SR-CN-0815",
            "quantity": 18000,
            "uom": "KGM",
        }
    ]
    assert event["bizLocation"]["id"] == f"https://id.gs1.org/414/{chain.packhouse.gln}"
    types = [t["type"] for t in event["bizTransactionList"]]
    assert types == [
        "cert",
        TRUYXUAT_NS + "btt/container",
        *[TRUYXUAT_NS + "btt/seal"] * 2,
        "testres",
    ]
    assert {s["type"] for s in event["sourceList"]} == {"location", "owning_party"}
    assert event["destinationList"][0]["type"] == "owning_party"
    assert event["tx:buyer"]["tx:name"] == "Guangxi Pingxiang Fruit Trading Co."
    assert event["tx:treatment"] == {
        "tx:kind": "vapour_heat",
        "tx:temperatureCelsius": 47.5,
        "tx:durationMinutes": 20,
    }
    assert event["tx:labResults"][0]["tx:reportNumber"] == "KQ-2026-3311"
    assert event["tx:container"]["tx:seals"] == ["VN778812", "VN778813"]
    as_xml = client.get(
        "/epcis/events",
        params={"EQ_bizStep": "shipping"},
        headers={**chain.headers, "Accept": "application/xml"},
    )
    assert as_xml.status_code == 200, as_xml.text
    root = etree.fromstring(as_xml.content, safe_parser())
    assert epcis_schema("2.0").validate(root), epcis_schema("2.0").error_log.last_error
    (from_xml,) = _events(read_epcis_xml(as_xml.content))
    assert from_xml["tx:container"] == event["tx:container"]
    # XML has no arrays: one lab result reads back as one element; the hash is the same.
    assert from_xml["tx:labResults"]["tx:reportNumber"] == "KQ-2026-3311"
    assert event_hash(from_xml, context_namespaces(CONTEXT)) == event["eventID"]
    stored = db_session.scalar(select(EpcisEvent).where(EpcisEvent.event_id == event["eventID"]))
    assert stored is not None
    assert (
        oracle_hash({k: v for k, v in stored.document.items() if k != "@context"}, CONTEXT)
        == stored.event_id
    )
    shipped = [
        s
        for s in lot_journey(db_session, gtin=chain.export_lot.product.gtin, lot="SR-CN-0815")
        if s.step == "ship"
    ]
    assert [s.detail_en for s in shipped] == ["Sent to Guangxi Pingxiang Fruit Trading Co."]
    assert (
        db_session.scalar(select(AuditEntry).where(AuditEntry.entity == "consignment")) is not None
    )


def test_the_dossier_holds_the_codes_and_numbers_and_only_its_owner_and_the_agency_get_it(
    chain: ExportChain, client: TestClient, db_session: Session
) -> None:
    consignment_id = client.post(API, json=chain.body(), headers=chain.headers).json()["id"]
    pdf = client.get(f"{API}/{consignment_id}/dossier.pdf", headers=chain.headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True, check=True
    ).stdout.decode()
    for expected in (
        "HỒ SƠ LÔ HÀNG XUẤT KHẨU",
        "EXPORT CONSIGNMENT DOSSIER",
        "SR-CN-0815",
        chain.export_lot.product.gtin,
        "Sầu riêng Ri6",
        "Ri6 durian",
        "榴莲",
        chain.growing_area.name,
        chain.area_code.code,
        chain.packhouse.name,
        chain.packhouse_code.code,
        "KDTV-2026/0815",
        "Thrips palmi",
        "47,5 °C",
        "KQ-2026-3311",
        CONTAINER,
        "VN778812",
        "Guangxi Pingxiang Fruit Trading Co.",
        "Trung Quốc / China (CN)",
        chain.enterprise.tax_code,
        chain.packhouse.gln,
    ):
        assert expected in text, expected
    epcis = client.get(f"{API}/{consignment_id}/dossier.jsonld", headers=chain.headers)
    assert epcis.status_code == 200 and epcis.headers["content-type"] == "application/ld+json"
    assert not list(VALIDATOR.iter_errors(epcis.json()))
    steps = [(e["type"], e.get("bizStep")) for e in _events(epcis.json())]
    assert steps == [
        ("ObjectEvent", "commissioning"),
        ("TransformationEvent", "packing"),
        ("ObjectEvent", "shipping"),
    ]

    agency = other_headers(db_session, role=Role.agency, read_only=True)
    assert client.get(f"{API}/{consignment_id}/dossier.jsonld", headers=agency).status_code == 200
    assert client.get(f"{API}/{consignment_id}/dossier.pdf", headers=agency).status_code == 200
    stranger = other_headers(db_session)
    for path in ("", "/dossier.pdf", "/dossier.jsonld"):
        assert client.get(f"{API}/{consignment_id}{path}", headers=stranger).status_code == 404
    assert client.get(API, headers=stranger).json()["total"] == 0


def _refusals(chain: ExportChain, session: Session) -> list[tuple[str, dict[str, Any], int]]:
    """(what, body, status): each must be refused with nothing stored."""
    stranger = make_enterprise(session)
    foreign_lot = make_lot(session, product=make_product(session, enterprise=stranger))
    foreign_place = make_location(session, enterprise=stranger, kind=LocationKind.packhouse)
    product = chain.export_lot.product
    actor = actor_of(chain.enterprise)
    home_lot = create_lot(
        session, actor=actor, product=product, code="SR-VN-01", production_on=dt.date.today(),
        quantity=Decimal(100), unit="KGM", origin_location=chain.growing_area,
    )  # fmt: skip
    thai_lot = create_lot(
        session, actor=actor, product=product, code="SR-TH-01", production_on=dt.date.today(),
        quantity=Decimal(100), unit="KGM", origin_location=chain.growing_area,
        export_market="TH", packhouse_location=chain.packhouse,
    )  # fmt: skip
    lot = chain.body()["lots"][0]
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    return [
        ("another enterprise's lot", chain.body(lots=[{**lot, "lot_id": foreign_lot.id}]), 404),
        ("another enterprise's packhouse", chain.body(location_id=foreign_place.id), 404),
        ("a lot for another market", chain.body(lots=[{**lot, "lot_id": thai_lot.id}]), 422),
        ("a lot not for export", chain.body(lots=[{**lot, "lot_id": home_lot.id}]), 422),
        ("a lot that does not exist", chain.body(lots=[{**lot, "lot_id": 2_000_000_000}]), 404),
        ("the same lot twice", chain.body(lots=[lot, lot]), 422),
        ("a zero quantity", chain.body(lots=[{**lot, "quantity": "0"}]), 422),
        (
            "more than the lot holds",
            chain.body(lots=[{**lot, "quantity": "18.001", "unit": "TNE"}]),
            422,
        ),
        ("a unit the lot's does not convert to", chain.body(lots=[{**lot, "unit": "XBX"}]), 422),
        ("a bad container check digit", chain.body(container_number="CSQU3054384"), 422),
        ("a container number of the wrong shape", chain.body(container_number="CSQX3054383"), 422),
        ("a departure tomorrow", chain.body(departed_on=tomorrow), 422),
        ("an unknown market", chain.body(market="XX"), 422),
        ("an unknown importer country", chain.body(importer={"name": "A", "country": "QQ"}), 422),
        ("an over-long certificate number", chain.body(certificate_number="K" * 65), 422),
        ("over-long declarations", chain.body(additional_declarations="x" * 2001), 422),
        ("a control character", chain.body(importer={"name": "Guangxi\x07", "country": "CN"}), 422),
        ("a control character in a seal", chain.body(seal_numbers=["VN\x00"]), 422),
        ("eleven seals", chain.body(seal_numbers=[f"S{n}" for n in range(11)]), 422),
        (
            "vapour heat without temperature",
            chain.body(treatment={"kind": "vapour_heat", "duration_minutes": 20}),
            422,
        ),
        (
            "an irradiation dose of 20 kGy",
            chain.body(treatment={"kind": "irradiation", "dose_gy": "20000"}),
            422,
        ),
        (
            "fumigation without an agent",
            chain.body(treatment={"kind": "fumigation", "duration_minutes": 120}),
            422,
        ),
        ("an unknown treatment", chain.body(treatment={"kind": "magic"}), 422),
        (
            "a lab result without its report",
            chain.body(lab_results=[{"lab": "A", "analyte": "Cd", "result": "0", "passed": True}]),
            422,
        ),
        ("31 lab results", chain.body(lab_results=chain.body()["lab_results"] * 31), 422),
    ]


def test_refused_consignments_change_nothing(
    chain: ExportChain, client: TestClient, db_session: Session
) -> None:
    cases = _refusals(chain, db_session)
    db_session.flush()
    before = counts(db_session)
    for what, body, status in cases:
        answer = client.post(API, json=body, headers=chain.headers)
        assert answer.status_code == status, (what, answer.text)
        assert answer.headers["content-type"] == "application/problem+json", what
        problem = answer.json()
        assert problem["message_vi"] and problem["message_en"], what
        assert counts(db_session) == before, what
    for who, headers, status in (
        ("an officer's key", other_headers(db_session, role=Role.agency), 403),
        (
            "a read-only agency key",
            other_headers(db_session, role=Role.agency, read_only=True),
            403,
        ),
        ("another enterprise's key", other_headers(db_session), 404),
        ("no key", {}, 401),
    ):
        db_session.flush()
        before = counts(db_session)
        answer = client.post(API, json=chain.body(), headers=headers)
        assert answer.status_code == status, (who, answer.text)
        assert counts(db_session) == before, who


def test_a_suspended_code_refuses_the_consignment_and_queues_it_for_the_agency(
    chain: ExportChain, client: TestClient, db_session: Session
) -> None:
    set_approval(
        db_session, actor=SYSTEM, market_code=chain.packhouse_code, market="CN",
        status=ApprovalStatus.suspended, reason="GACC tạm ngừng mã số cơ sở đóng gói",
    )  # fmt: skip
    db_session.flush()
    before = counts(db_session)
    answer = client.post(API, json=chain.body(), headers=chain.headers)
    assert answer.status_code == 422, answer.text
    assert chain.packhouse_code.code in answer.json()["message_en"]
    assert "suspended" in answer.json()["message_en"]
    assert counts(db_session) == before
    queued = db_session.scalars(select(GuardRefusal).where(GuardRefusal.attempt == "consignment"))
    assert [r.code for r in queued] == [chain.packhouse_code.code]


def test_an_oversized_field_is_refused(
    chain: ExportChain, client: TestClient, db_session: Session
) -> None:
    before = counts(db_session)
    answer = client.post(
        API,
        content=b'{"market": "' + b"C" * 200_001 + b'"}',
        headers={**chain.headers, "content-type": "application/json"},
    )
    assert answer.status_code == 422
    assert counts(db_session) == before
