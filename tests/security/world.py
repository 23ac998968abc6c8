"""Two enterprises, agency staff and an administrator, each with an API key and a
browser session, and one record of every kind owned by enterprise A.

Built through the real services; the sessions are real sign-ins through the app.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts.models import KeyScope, Role, User
from registry.accounts.service import create_api_key
from registry.actor import SYSTEM
from registry.certificates.models import Certificate
from registry.consignments.models import Consignment, ConsignmentLot
from registry.enterprises.models import Enterprise
from registry.enterprises.service import update_enterprise
from registry.events.flags import flag_event
from registry.events.models import EpcisEvent
from registry.events.steps import LotQuantity, build_pallet, record_harvest
from registry.links.service import create_link
from registry.locations.models import Location
from registry.lots.models import Lot
from registry.market_codes.models import GuardRefusal
from registry.market_codes.service import record_code
from registry.prefixes.models import CompanyPrefix
from registry.prefixes.service import LicenceEvidence, request_own_prefix
from registry.print_runs.models import LabelRun
from registry.print_runs.service import create_run
from registry.products.models import Product
from registry.recalls.models import Recall
from registry.recalls.service import RecallNotice, recall_product
from registry.reports.models import ConsumerReport
from registry.reports.service import submit_report
from service import ratelimit
from tests.factories import (
    PASSWORD,
    actor_of,
    make_certificate,
    make_enterprise,
    make_location,
    make_lot,
    make_product,
    make_user,
)
from tests.in_loop_client import InLoopClient

BASE = "https://truyxuat.dongthap.gov.vn"
SESSION_COOKIE = "truyxuat_session"
ROLES = ("anonymous", "enterprise_a", "enterprise_b", "agency", "admin")


@dataclass
class Actor:
    """One role as seen from outside: an API key and a signed-in browser."""

    role: str
    user: User | None
    api_headers: dict[str, str]
    browser: InLoopClient

    def csrf(self) -> str:
        """The session's CSRF token, as every form page of the session carries it."""
        if "csrf" not in self.session_data():
            self.browser.get("/login")  # the sign-in form gives a visitor's session one
        return str(self.session_data().get("csrf", ""))

    def session_data(self) -> dict[str, object]:
        """What the signed session cookie holds (its payload is base64 JSON)."""
        for cookie in self.browser.cookies.jar:
            if cookie.name == SESSION_COOKIE and cookie.value:
                payload = cookie.value.split(".", 1)[0]
                data: dict[str, object] = json.loads(base64.b64decode(payload + "=="))
                return data
        return {}


@dataclass
class World:
    enterprise_a: Enterprise
    enterprise_b: Enterprise
    product: Product
    lot: Lot
    location: Location
    certificate: Certificate
    run: LabelRun
    link_id: int
    report: ConsumerReport
    recall: Recall
    event_id: str
    sscc: str
    api_key_id: int
    prefix_id: int
    prefix_request_id: int
    identity_change_id: int
    capture_id: str = ""
    query_name: str = ""  # a named EPCIS query of A, with one webhook subscription
    subscription_id: str = ""
    event_pk: int = 0
    flag_id: int = 0
    member_id: int = 0  # a member of A's team who is not its owner
    consignment_id: int = 0  # a consignment of A, stored as a row (its guards are tested apart)
    market_code_id: int = 0  # a planting-area code on A's location
    refusal_id: int = 0  # an export lot of A the guard refused
    actors: dict[str, Actor] = field(default_factory=dict)
    # An agency key made without the write scope (the "agency" actor's key has it).
    read_only_agency_headers: dict[str, str] = field(default_factory=dict)

    @property
    def gtin(self) -> str:
        return self.product.gtin

    def path_values(self) -> dict[str, str]:
        """What each path parameter of the app's routes is filled with."""
        return {
            "enterprise_id": str(self.enterprise_a.id),
            "product_id": str(self.product.id),
            "lot_id": str(self.lot.id),
            "location_id": str(self.location.id),
            "certificate_id": str(self.certificate.id),
            "run_id": str(self.run.id),
            "link_id": str(self.link_id),
            "report_id": str(self.report.id),
            "recall_id": str(self.recall.id),
            "key_id": str(self.api_key_id),
            "event_id": quote(self.event_id, safe=""),
            "gtin": self.gtin,
            "sscc": self.sscc,
            "prefix_id": str(self.prefix_id),
            "request_id": str(self.prefix_request_id),
            "change_id": str(self.identity_change_id),
            "capture_id": self.capture_id,
            "query_name": self.query_name,
            "subscription_id": self.subscription_id,
            "event_pk": str(self.event_pk),
            "flag_id": str(self.flag_id),
            "user_id": str(self.member_id),
            "consignment_id": str(self.consignment_id),
            "code_id": str(self.market_code_id),
            "refusal_id": str(self.refusal_id),
        }


def _browser(app: FastAPI, user: User | None) -> InLoopClient:
    browser = InLoopClient(app, base_url=BASE)
    if user is not None:
        ratelimit.reset()
        answer = browser.post(
            "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
    return browser


def _consignment(enterprise: Enterprise, location: Location, lot: Lot) -> Consignment:
    return Consignment(
        enterprise_id=enterprise.id,
        location_id=location.id,
        market="CN",
        importer_name="Importer",
        importer_country="CN",
        importer_address="",
        importer_uri="urn:uuid:00000000-0000-4000-8000-000000000000",
        certificate_number="KDTV-1",
        additional_declarations="",
        treatment={"kind": "none"},
        lab_results=[],
        container_number="CSQU3054383",
        seal_numbers=[],
        departed_on=dt.date.today(),
        port_of_loading="Cát Lái",
        port_of_discharge="Nansha",
        lots=[ConsignmentLot(lot_id=lot.id, quantity=Decimal(10), unit="KGM")],
    )


def build_world(session: Session, app: FastAPI) -> World:
    enterprise_a = make_enterprise(session)
    enterprise_b = make_enterprise(session)
    product = make_product(session, enterprise=enterprise_a)
    lot = make_lot(session, product=product)
    location = make_location(session, enterprise=enterprise_a)
    certificate = make_certificate(session, enterprise=enterprise_a, product=product)
    run = create_run(session, actor=SYSTEM, lot=lot, count=3, serialized=True, layout="a4-3x7")
    link = create_link(
        session,
        actor=SYSTEM,
        base=BASE,
        anchor=f"{BASE}/01/{product.gtin}",
        link_type="gs1:hasRetailers",
        href="https://shop.example.vn/xoai",
        title="Cửa hàng",
        language="vi",
    )
    event_id = record_harvest(
        session,
        actor=SYSTEM,
        lot=lot,
        location=location,
        harvested_on=dt.date.today(),
        quantity=Decimal(50),
        unit="KGM",
    )
    pallet = build_pallet(session, actor=SYSTEM, location=location, contents=[LotQuantity(lot)])
    # Recorded by the system, not by A: A may flag them to the agency (one flagged already).
    flag = flag_event(
        session,
        actor=actor_of(enterprise_a),
        event_pk=session.scalars(
            select(EpcisEvent.id).where(EpcisEvent.event_id == pallet.event_id)
        ).one(),
        reason="Không phải sự kiện của chúng tôi",
    )
    report = submit_report(
        session, kind="quality", message="Xoài bị dập", device_hash="0" * 16, gtin=product.gtin
    )
    recall, *_ = recall_product(
        session,
        actor=SYSTEM,
        product=make_product(session, enterprise=enterprise_a),
        notice=RecallNotice(reason_vi="Nhiễm khuẩn", notice_vi="Ngừng sử dụng"),
    )
    # A waiting request for A's own licence (its scan file is not kept here) and a
    # waiting change of A's legal name.
    prefix_request = request_own_prefix(
        session,
        actor=actor_of(enterprise_a),
        enterprise=enterprise_a,
        prefix="8934001",
        evidence=LicenceEvidence(
            "001/GS1VN",
            None,
            dt.date.today() + dt.timedelta(days=365),
            f"licences/{'0' * 24}.jpg",
        ),
    )
    identity_change = update_enterprise(
        session,
        actor=actor_of(enterprise_a),
        enterprise=enterprise_a,
        changes={"legal_name": "Hợp tác xã A (tên mới)"},
    ).identity_change
    assert identity_change is not None
    key_a = create_api_key(session, actor=SYSTEM, role=Role.enterprise, enterprise=enterprise_a)
    consignment = _consignment(enterprise_a, location, lot)
    session.add(consignment)
    session.flush()
    users = {
        "anonymous": None,
        "enterprise_a": make_user(session, enterprise=enterprise_a),
        "enterprise_b": make_user(session, enterprise=enterprise_b),
        "agency": make_user(session, role=Role.agency),
        "admin": make_user(session, role=Role.admin),
    }
    keys = {
        "enterprise_a": key_a.secret,
        "enterprise_b": create_api_key(
            session, actor=SYSTEM, role=Role.enterprise, enterprise=enterprise_b
        ).secret,
        "agency": create_api_key(
            session, actor=SYSTEM, role=Role.agency, scope=KeyScope.write
        ).secret,
        "admin": create_api_key(session, actor=SYSTEM, role=Role.admin).secret,
    }
    session.flush()
    world = World(
        enterprise_a=enterprise_a,
        enterprise_b=enterprise_b,
        product=product,
        lot=lot,
        location=location,
        certificate=certificate,
        run=run,
        link_id=link.id,
        report=report,
        recall=recall,
        event_id=event_id,
        event_pk=session.scalars(
            select(EpcisEvent.id).where(EpcisEvent.event_id == event_id)
        ).one(),
        flag_id=flag.id,
        sscc=pallet.sscc,
        api_key_id=key_a.api_key.id,
        prefix_id=session.scalars(
            select(CompanyPrefix.id).where(CompanyPrefix.enterprise_id == enterprise_a.id)
        ).one(),
        prefix_request_id=prefix_request.id,
        identity_change_id=identity_change.id,
        consignment_id=consignment.id,
    )
    read_only = create_api_key(session, actor=SYSTEM, role=Role.agency)
    world.member_id = make_user(session, enterprise=enterprise_a).id
    world.market_code_id = record_code(
        session, actor=SYSTEM, location=location, code="VN-MATRIX-001", markets=["CN"]
    ).id
    refusal = GuardRefusal(
        enterprise_id=enterprise_a.id,
        product_id=product.id,
        lot_code=lot.code,
        market="CN",
        rule="packhouse_missing",
        attempt="lot",
        message_vi="Thiếu cơ sở đóng gói.",
        message_en="No packhouse.",
        actor="test",
    )
    session.add(refusal)
    session.flush()
    world.refusal_id = refusal.id
    world.read_only_agency_headers = {"Authorization": f"Bearer {read_only.secret}"}
    for role in ROLES:
        user = users[role]
        headers = {"Authorization": f"Bearer {keys[role]}"} if role in keys else {}
        world.actors[role] = Actor(role, user, headers, _browser(app, user))
    return world


# A public address no test reaches: deliveries to it are never made in a test run.
MATRIX_WEBHOOK = "http://93.184.215.14/epcis-hook"


def add_named_query(world: World, client: TestClient) -> None:
    """A named EPCIS query of A with one webhook subscription, for /epcis/queries/…."""
    a_key = world.actors["enterprise_a"].api_headers
    answer = client.post("/epcis/queries", json={"name": "matrix-a", "query": {}}, headers=a_key)
    assert answer.status_code == 201, answer.text
    answer = client.post(
        "/epcis/queries/matrix-a/subscriptions",
        json={"dest": MATRIX_WEBHOOK, "stream": True},
        headers=a_key,
    )
    assert answer.status_code == 201, answer.text
    world.query_name = "matrix-a"
    world.subscription_id = answer.json()["subscriptionID"]
