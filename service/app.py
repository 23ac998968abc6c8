"""The application factory."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from starlette.middleware.sessions import SessionMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from registry.scans.counting import DailyCap
from registry.scans.writer import batch_writer
from registry.settings import Settings, get_settings
from registry.subscriptions.worker import DeliveryWorker
from service.api.router import api_router
from service.api.verification import router as verification_router
from service.body_limits import BodyLimits
from service.epcis.queries import router as epcis_queries_router
from service.epcis.query_sockets import router as epcis_sockets_router
from service.epcis.router import router as epcis_router
from service.middleware import RequestMiddleware
from service.observability import watch_event_loop_lag
from service.pages import agency, consumer, docs, health, home, portal, scan, site_files
from service.problems import install_error_handlers
from service.ratelimit import NetworkLimits
from service.resolver import lifecycle as resolver_lifecycle
from service.resolver.dispatch import ResolverDispatch
from service.resolver.router import router as resolver_router
from service.state import AppState

STATIC_DIR = Path(__file__).parent / "static"
log = logging.getLogger("truyxuat")


def create_app(settings: Settings | None = None, *, state: AppState | None = None) -> FastAPI:
    settings = settings or get_settings()
    app_state = state or AppState.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        lag_watch = asyncio.create_task(watch_event_loop_lag())
        # Tests pass their own state and drive these themselves.
        owns_state = state is None
        if owns_state:
            writer = batch_writer(
                settings.database_url, app_state.write_sessions, kind=settings.scan_writer
            )
            await resolver_lifecycle.start(app, writer=writer)
            deliveries = DeliveryWorker(
                app_state.write_sessions, settings, read_sessions=app_state.read_sessions
            )
            deliveries.start()
            try:
                app_state.print_jobs.resume_unfinished()
            except SQLAlchemyError:
                # Start anyway: /readyz reports the database, jobs resume on the next start.
                log.warning("database unavailable at start-up; print runs not resumed")
        yield
        lag_watch.cancel()
        if owns_state:
            await resolver_lifecycle.stop(app)
            await asyncio.to_thread(deliveries.stop)
            app_state.print_jobs.shutdown()
            app_state.workers.shutdown()
            app_state.engine.dispose()

    app = FastAPI(
        title="truyxuat",
        summary="Mã số, mã vạch, truy xuất nguồn gốc — traceability and barcode registry",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        openapi_url="/api/openapi.json",
        redoc_url=None,
        # Otherwise the resolver's /{key}/{rest} route, which matches "/x/", turns every
        # unknown "/x" into a 307 to "/x/" before its 404.
        redirect_slashes=False,
    )
    app.state.truyxuat = app_state
    app.state.network_limits = NetworkLimits(settings)
    app.state.counted_scans = DailyCap(settings.counted_scans_per_network_day)
    install_error_handlers(app)
    # Inside the session: a signed-in session is one of the callers it lets write.
    app.add_middleware(BodyLimits, settings=settings)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="truyxuat_session",
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.public_base_url.startswith("https://"),
    )
    # Scans go straight to the resolver, inside RequestMiddleware, outside the session.
    app.add_middleware(ResolverDispatch, owner=app)
    app.add_middleware(RequestMiddleware)
    # Outermost: everything inside sees the client a trusted proxy forwarded, not the proxy.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    app.include_router(api_router)
    app.include_router(epcis_router)
    app.include_router(epcis_queries_router)
    app.include_router(epcis_sockets_router)
    app.include_router(docs.router)
    app.include_router(home.router)
    app.include_router(site_files.router)
    app.include_router(health.router)
    app.include_router(scan.router)
    app.include_router(portal.router)
    app.include_router(agency.uploads)
    app.include_router(agency.code_uploads)
    app.include_router(agency.population_uploads)
    app.include_router(agency.router)
    app.include_router(verification_router)
    app.include_router(consumer.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # Last: the resolver's /{primary key}/... routes must not shadow anything.
    app.include_router(resolver_router)
    return app
