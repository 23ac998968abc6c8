"""The real app with the scan recorder in its lifespan, for uvicorn in browser tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service.app import create_app
from service.resolver import lifecycle


def build() -> FastAPI:
    app = create_app()
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[None]:
        async with inner(app_):
            await lifecycle.start(app_)
            try:
                yield
            finally:
                await lifecycle.stop(app_)

    app.router.lifespan_context = lifespan
    return app
