"""Every page a person opens, as headless Chromium renders it: the demo data served by
the real app (uvicorn in a thread) on each database, walked by a producer, an officer
and a shopper (the consumer page of every verdict, in each language). test_on_phones.py
uses it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from registry.accounts.models import User
from registry.actor import SYSTEM
from registry.consignments.models import Consignment
from registry.db import make_engine, make_sessionmaker, unit_of_work
from registry.enterprises.models import Enterprise
from registry.locations.models import Location, LocationKind
from registry.lots.models import Lot
from registry.market_codes.models import MarketCode
from registry.market_codes.service import record_code
from registry.print_runs.models import LabelRun
from registry.products.models import Product
from registry.recalls.models import Recall
from registry.settings import Settings
from service.app import create_app
from service.demo import AGENCY_EMAIL, DEMO_PASSWORD, ENTERPRISES
from service.demo_links import verdict_links
from service.demo_scenes import COPIED_LOT, copied_serial, demo_lot
from service.pages.portal.images import store_image
from tests.browser import CHROMIUM
from tests.databases import Databases, backend_of
from tests.live_app import free_port, uvicorn_thread

PHONE_WIDTHS = (360, 390)
PHONE_HEIGHT = 844
# Routes that answer a file, not a page a person reads in the browser.
NOT_PAGES = {
    "/favicon.ico",
    "/robots.txt",
    "/healthz",
    "/readyz",
    "/metrics",
    "/static",
    "/.well-known/gs1resolver",
    "/portal/signup/tax-code",
    "/portal/products/import/template.csv",
    "/portal/products/import/template.xlsx",
    "/portal/labels/preview.svg",
    "/portal/labels/runs/{run_id}/download",
    "/media/products/{name}",
    "/agency/export/{name}.csv",
    "/agency/export/{name}.xlsx",
    "/agency/report.pdf",
    "/agency/prefix-requests/{request_id}/certificate",
    "/agency/reports/{report_id}/photo",
    "/portal/consignments/{consignment_id}/dossier.pdf",
    "/portal/consignments/{consignment_id}/dossier.jsonld",
    "/portal/gpc/bricks",
    "/portal/products/gs1-master-data.csv",
    "/portal/products/gs1-master-data.xlsx",
}
# Routes that only redirect to a page walked under its own path (a compressed Digital
# Link, /{segment}, to its uncompressed form).
REDIRECTS_ONLY = {"/", "/{key}/{rest:path}", "/{segment}"}
# The languages a shopper reads the consumer page in.
LANGUAGES = ("vi", "en")
# Verdicts whose consumer page says so with an error status; every other one answers 200.
VERDICT_STATUS = {"invalid": 400, "not_registered": 404, "foreign_prefix": 404}
# The dashboard at 390 px on the demo data was 19,220 px tall with every table open and
# 3,195 px once folded (about 300 px of it the agency's header and menu): four screens at most.
DASHBOARD_MAX_HEIGHT_PX = 3500


@dataclass(frozen=True)
class Visit:
    """One page: who opens it (None: anyone) and the route it stands for."""

    route: str
    path: str
    who: str | None = None
    status: int = 200


@dataclass(frozen=True)
class DemoSite:
    url: str
    visits: list[Visit]
    routes: set[str]
    credentials: dict[str, tuple[str, str]]
    photo_page: str


def page_routes(app: FastAPI) -> set[str]:
    """Paths of the app's GET routes outside the JSON APIs."""
    return {
        context.path
        for context in iter_route_contexts(app.router.routes)
        if context.path is not None
        and "GET" in (context.methods or {"GET"})
        and not context.path.startswith(("/api/", "/epcis"))
    }


def _product_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 400), (46, 125, 50)).save(out, "JPEG")
    return out.getvalue()


def _verdict_visits(session: Session) -> list[Visit]:
    """The consumer page of every verdict the demo prints a Digital Link for, in each language."""
    visits = []
    for kind, link in verdict_links(session, "http://demo.invalid"):
        parts = urlsplit(link)
        query = f"{parts.query}&" if parts.query else ""
        for lang in LANGUAGES:
            visits.append(
                Visit(
                    "/p/{rest:path}",
                    f"/p{parts.path}?{query}lang={lang}",
                    status=VERDICT_STATUS.get(kind, 200),
                )
            )
    return visits


def _market_code_id(session: Session) -> int:
    """A code for the code's own page: the demo's first, else one recorded here."""
    found = session.scalar(select(MarketCode.id).order_by(MarketCode.id))
    if found is not None:
        return found
    area = session.scalars(
        select(Location)
        .where(Location.kind.in_([LocationKind.growing_area, LocationKind.farm]))
        .order_by(Location.id)
    ).first()
    assert area is not None
    return record_code(
        session, actor=SYSTEM, location=area, code="VN-PAGES-0001", markets=["CN"]
    ).id


def _visits(sessions: sessionmaker[Session], *, media_dir: Path) -> tuple[list[Visit], str, str]:
    """The pages to walk, the consumer page that shows a product photo, and the e-mail of
    the demo's exporter (its consignment is its own to see)."""
    with unit_of_work(sessions) as session:
        product = session.scalars(
            select(Product)
            .join(Enterprise, Product.enterprise_id == Enterprise.id)
            .where(Enterprise.legal_name == ENTERPRISES[0].legal_name)
            .order_by(Product.id)
        ).first()
        assert product is not None
        lot = session.scalars(select(Lot).where(Lot.product_id == product.id)).first()
        location = session.scalars(
            select(Location).where(Location.enterprise_id == product.enterprise_id)
        ).first()
        run = session.scalars(
            select(LabelRun).where(LabelRun.enterprise_id == product.enterprise_id)
        ).first()
        recall_id = session.scalar(select(Recall.id))
        consignment = session.scalars(select(Consignment).order_by(Consignment.id)).first()
        assert consignment is not None
        consignment_id = consignment.id
        exporter_email = session.scalars(
            select(User.email)
            .where(User.enterprise_id == consignment.enterprise_id)
            .order_by(User.id)
        ).first()
        assert exporter_email is not None
        assert lot and location and run and recall_id
        # The walked product's page shows a photo, as an uploaded one is shown; named in
        # Chinese, it is offered in Chinese (zh-Hans) too, as an export product's page is.
        product.image_path = store_image(media_dir, _product_photo())
        product.name_zh = "和禄芒果"
        verdicts = _verdict_visits(session)
        copied = demo_lot(session, *COPIED_LOT)
        suspicious = f"{copied.product.gtin}/{copied_serial(session)}?lot={copied.code}"
        item = f"/01/{product.gtin}/10/{lot.code}"
        place = f"/414/{location.gln}"
        product_id, lot_id, location_id, run_id = product.id, lot.id, location.id, run.id
        code_id = _market_code_id(session)
    producer = [
        ("/portal", "/portal"),
        ("/portal/password", "/portal/password"),
        ("/portal/products", "/portal/products"),
        ("/portal/products/new", "/portal/products/new"),
        ("/portal/products/import", "/portal/products/import"),
        ("/portal/products/{product_id}", f"/portal/products/{product_id}"),
        ("/portal/products/{product_id}/edit", f"/portal/products/{product_id}/edit"),
        ("/portal/locations", "/portal/locations"),
        ("/portal/locations/new", "/portal/locations/new"),
        ("/portal/locations/{location_id}", f"/portal/locations/{location_id}"),
        ("/portal/market-codes", "/portal/market-codes"),
        ("/portal/lots", "/portal/lots"),
        ("/portal/lots/new", "/portal/lots/new"),
        ("/portal/lots/{lot_id}", f"/portal/lots/{lot_id}"),
        ("/portal/labels", "/portal/labels"),
        ("/portal/labels/runs/{run_id}", f"/portal/labels/runs/{run_id}"),
        ("/portal/stats", "/portal/stats"),
        ("/portal/team", "/portal/team"),
        ("/portal/team/audit", "/portal/team/audit"),
        ("/portal/events", "/portal/events"),
        ("/portal/consignments", "/portal/consignments"),
        ("/portal/consignments/new", "/portal/consignments/new"),
        ("/portal/gpc", "/portal/gpc?q=durian"),
    ]
    exporter = [
        ("/portal/consignments/{consignment_id}", f"/portal/consignments/{consignment_id}"),
    ]
    officer = [
        ("/agency/", "/agency/"),
        ("/agency/tables/{name}", "/agency/tables/by_ward"),
        ("/agency/enterprises", "/agency/enterprises"),
        ("/agency/suspicious", "/agency/suspicious"),
        ("/agency/suspicious/{gtin}/{serial}", f"/agency/suspicious/{suspicious}"),
        ("/agency/reports", "/agency/reports"),
        ("/agency/certificates", "/agency/certificates"),
        ("/agency/population", "/agency/population"),
        ("/agency/recalls", "/agency/recalls"),
        ("/agency/recalls/{recall_id}", f"/agency/recalls/{recall_id}"),
        ("/agency/prefix-requests", "/agency/prefix-requests"),
        ("/agency/identity-changes", "/agency/identity-changes"),
        ("/agency/flags", "/agency/flags"),
        ("/agency/market-codes", "/agency/market-codes"),
        ("/agency/market-codes/{code_id}", f"/agency/market-codes/{code_id}"),
        ("/agency/market-codes-import", "/agency/market-codes-import"),
        ("/agency/yield-ceilings", "/agency/yield-ceilings"),
        ("/agency/code-warnings", "/agency/code-warnings"),
        ("/agency/users", "/agency/users"),
        ("/agency/consignments", "/agency/consignments"),
        ("/agency/gpc", "/agency/gpc"),
        ("/agency/master-data", "/agency/master-data"),
    ]
    anyone = [
        ("/login", "/login"),
        ("/portal/signup", "/portal/signup"),
        ("/scan", "/scan"),
        ("/scan/code", "/scan/code?text=xyz"),
        ("/p/{rest:path}", f"/p{item}"),
        ("/p/{rest:path}", f"/p{item}?lang=en"),
        ("/p/{rest:path}", f"/p{item}?lang=zh"),
        ("/p/{rest:path}", f"/p{place}"),
        ("/p/share-place", f"/p/share-place?path={item}"),
        ("/p/report", f"/p/report?path={item}&verdict=serial_void"),
        ("/p/report/sent", f"/p/report/sent?ref=PA-000001&path={item}"),
    ]
    visits = [
        *(Visit(route, path, "producer") for route, path in producer),
        *(Visit(route, path, "officer") for route, path in officer),
        *(Visit(route, path, "exporter") for route, path in exporter),
        *(Visit(route, path) for route, path in anyone),
        *verdicts,
    ]
    return visits, f"/p{item}", exporter_email


@pytest.fixture(scope="module")
def demo_site(
    database_url: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoSite]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with databases.new(backend_of(database_url), "demo") as demo_url:
        data_dir = tmp_path_factory.mktemp("pages-data")
        engine = make_engine(demo_url)
        visits, photo_page, exporter_email = _visits(
            make_sessionmaker(engine), media_dir=data_dir / "media"
        )
        engine.dispose()
        port = free_port()
        settings = Settings(
            database_url=demo_url,
            base_url=f"http://127.0.0.1:{port}",
            secret_key="pages-test",
            data_dir=data_dir,
        )
        app = create_app(settings)
        credentials = {
            "producer": (ENTERPRISES[0].email, DEMO_PASSWORD),
            "officer": (AGENCY_EMAIL, DEMO_PASSWORD),
            "exporter": (exporter_email, DEMO_PASSWORD),
        }
        with uvicorn_thread(app, port):
            yield DemoSite(
                settings.public_base_url, visits, page_routes(app), credentials, photo_page
            )
