"""The app factory. ``create_app(settings)`` builds a FastAPI app; ``lifespan`` builds the engines
and clients into a typed ``AppState`` and tears them down. Nothing is built at import time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from aicoach import __version__
from aicoach.accounts import pages as account_pages
from aicoach.accounts import routes as account_routes
from aicoach.accounts.service import LoginThrottler
from aicoach.charts import pages as chart_pages
from aicoach.chat import routes as chat_routes
from aicoach.chat import runtime as chat_runtime
from aicoach.config import Settings
from aicoach.db import create_engine, session_factory
from aicoach.jobs.queue import build_queue
from aicoach.levels import routes as levels_routes
from aicoach.levels.core import indicators
from aicoach.levels.service import LevelsService
from aicoach.marketdata import routes as market_routes
from aicoach.marketdata.registry import build_market_data
from aicoach.migrations.runner import upgrade_to_head
from aicoach.observability import metrics, sentry, tunnel
from aicoach.observability.logging import configure_logging
from aicoach.observability.middleware import ObservabilityMiddleware
from aicoach.options import pages as options_pages
from aicoach.options import routes as options_routes
from aicoach.options.core import american, american_iv
from aicoach.positions import routes as positions_routes
from aicoach.watchlist import routes as watchlist_routes
from aicoach.web import handlers
from aicoach.web import pages as web_pages
from aicoach.web.deps import csrf_protect
from aicoach.web.middleware import BodyLimitMiddleware, CSRFCookieMiddleware
from aicoach.web.state import AppState
from aicoach.web.tabs import build_tabs
from aicoach.web.templating import STATIC_DIR, build_templates

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings)
    sentry.init_sentry(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await upgrade_to_head(settings)
        # Load the compiled kernels now (from Numba's disk cache), not on a trader's first request.
        await asyncio.to_thread(american.compiled_kernel)
        await asyncio.to_thread(american_iv.warm_up)
        await asyncio.to_thread(indicators.compiled_kernels)
        engine = create_engine(settings)
        jobs = build_queue(settings)
        market = build_market_data(settings)
        metrics.register_queue_depth(jobs.pending)
        state = AppState(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            throttler=LoginThrottler(session_factory(engine), settings),
            jobs=jobs,
            tabs=build_tabs(),
            market=market,
            levels=LevelsService(market),
        )
        app.state.aicoach = state
        chat_runtime.install(state)
        consumer = jobs.start_consumer() if settings.jobs_in_process else None
        log.info("AI Coach %s ready (%s)", __version__, settings.env.value)
        try:
            yield
        finally:
            if consumer is not None:
                consumer.stop(graceful=True)
            await chat_runtime.shutdown(state)  # stores partial answers; needs the engine
            await market.provider.aclose()
            await tunnel.close_tunnel_client(app)
            await engine.dispose()
            sentry.flush()

    app = FastAPI(
        title="AI Coach",
        version=__version__,
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.templates = build_templates(settings)
    handlers.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    csrf = [Depends(csrf_protect)]
    for router in (
        web_pages.router,
        account_pages.router,
        account_routes.router,
        market_routes.router,
        watchlist_routes.router,
        levels_routes.router,
        options_routes.router,
        positions_routes.router,
        chart_pages.router,
        options_pages.router,
        chat_routes.router,
    ):
        app.include_router(router, dependencies=csrf)
    # Machine endpoints: scraped by Prometheus, posted to by the Sentry browser SDK (no cookies).
    app.include_router(metrics.metrics_router)
    app.include_router(tunnel.tunnel_router)
    # Outermost first: observability sees every request, including rejected bodies.
    app.add_middleware(CSRFCookieMiddleware, secure=settings.base_url.startswith("https"))
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(ObservabilityMiddleware)
    return app
