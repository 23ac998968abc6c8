"""Liveness, readiness and metrics for the load balancer and Prometheus."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from registry.scans.recorder import ScanRecorder
from service.deps import get_state
from service.observability import SCAN_BUFFER_DEPTH, metrics_payload

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process answers: straight from the event loop, which is what must stay free."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Ready only while the database answers; a load balancer stops routing otherwise."""
    try:
        with get_state(request).read_sessions() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:
        return JSONResponse(
            {
                "status": "unavailable",
                "message_vi": "Cơ sở dữ liệu không phản hồi.",
                "message_en": "The database does not answer.",
                "detail": type(exc).__name__,
            },
            status_code=503,
            headers={"Retry-After": "5"},
        )
    return JSONResponse({"status": "ready"})


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> PlainTextResponse:
    recorder: ScanRecorder | None = getattr(request.app.state, "scan_recorder", None)
    if recorder is not None:
        # As of now, not as of the last flush.
        SCAN_BUFFER_DEPTH.set(recorder.pending_count())
    return PlainTextResponse(metrics_payload(), media_type=CONTENT_TYPE_LATEST)
