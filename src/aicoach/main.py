"""The app factory and the slice list.

``SLICES`` lists every slice's manifest once (``<slice>/plugin.py``); ``create_app(settings)``
builds a FastAPI app whose lifespan builds the :class:`~aicoach.container.Container` from them
and tears it down. Nothing is built at import time. The job worker and the CLI use the same list.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import Depends, FastAPI

from aicoach import __version__
from aicoach.accounts.plugin import MANIFEST as ACCOUNTS
from aicoach.accounts.scopes import document_bearer
from aicoach.charts.plugin import MANIFEST as CHARTS
from aicoach.chat.plugin import MANIFEST as CHAT
from aicoach.config import Settings
from aicoach.container import Container, Overrides, Registries, build_container
from aicoach.journal.plugin import MANIFEST as JOURNAL
from aicoach.levels.core import indicators
from aicoach.levels.plugin import MANIFEST as LEVELS
from aicoach.marketdata.plugin import MANIFEST as MARKETDATA
from aicoach.migrations.runner import upgrade_to_head
from aicoach.observability import metrics, sentry, tunnel
from aicoach.observability.logging import configure_logging
from aicoach.observability.middleware import ObservabilityMiddleware
from aicoach.options.core import american, american_iv
from aicoach.options.plugin import MANIFEST as OPTIONS
from aicoach.plugin import Manifest
from aicoach.positions.plugin import MANIFEST as POSITIONS
from aicoach.watchlist.plugin import MANIFEST as WATCHLIST
from aicoach.web import apidocs, docs, handlers, health
from aicoach.web.apidocs import OptionsMiddleware
from aicoach.web.csrf import csrf_protect
from aicoach.web.edge import EdgeApp
from aicoach.web.frontend import StaticTree, TreeStaticFiles
from aicoach.web.idempotency import IdempotencyMiddleware
from aicoach.web.middleware import BodyLimitMiddleware, CSRFCookieMiddleware
from aicoach.web.nul import NulRefusalMiddleware
from aicoach.web.templating import build_templates
from aicoach.worker.consumer import start_in_process

log = logging.getLogger(__name__)

#: Every slice, once. Order matters only for display: the coach's tool list follows it.
SLICES: tuple[Manifest, ...] = (
    ACCOUNTS,
    LEVELS,
    MARKETDATA,
    WATCHLIST,
    CHARTS,
    OPTIONS,
    POSITIONS,
    JOURNAL,
    CHAT,
)


def create_app(
    settings: Settings | None = None,
    *,
    slices: Sequence[Manifest] = SLICES,
    overrides: Overrides | None = None,
) -> FastAPI:
    """The app on ``settings`` with ``slices`` plugged in; ``overrides`` replace built parts
    (tests and benches inject fakes here)."""
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
        container = build_container(settings, slices=slices, overrides=overrides)
        app.state.container = container
        metrics.register_queue_depth(container.jobs.pending)
        consumer = await start_in_process(container) if settings.jobs_in_process else None
        log.info("AI Coach %s ready (%s)", __version__, settings.env.value)
        try:
            async with AsyncExitStack() as stack:
                for manifest in slices:
                    for enter in manifest.lifespan:
                        await stack.enter_async_context(enter(container))
                yield
        finally:
            if consumer is not None:
                await consumer.aclose()  # off the loop: its running jobs need the loop
            await container.aclose()
            await tunnel.close_tunnel_client(app)
            sentry.flush()

    app = EdgeApp(
        edge_settings=settings,
        title="AI Coach",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # served by web.docs from vendored files
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    base_openapi = app.openapi
    app.openapi = lambda: document_bearer(base_openapi())  # type: ignore[method-assign]
    registries = Registries.of(slices)
    static = StaticTree.with_slices(registries.assets)
    app.state.templates = build_templates(settings, cards=registries.cards, tree=static)
    handlers.install(app)
    apidocs.document_errors(app)
    app.mount("/static", TreeStaticFiles(static), name="static")
    csrf = [Depends(csrf_protect)]
    app.include_router(health.router)
    app.include_router(docs.router)
    for manifest in slices:
        for router in manifest.routers:
            app.include_router(router, dependencies=csrf)
    # Machine endpoints: scraped by Prometheus, posted to by the Sentry browser SDK (no cookies).
    app.include_router(metrics.metrics_router)
    app.include_router(tunnel.tunnel_router)
    # Outermost first: observability sees every request, including rejected bodies.
    app.add_middleware(NulRefusalMiddleware)
    app.add_middleware(CSRFCookieMiddleware, https_base=settings.base_url.startswith("https://"))
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    app.add_middleware(OptionsMiddleware, routes_of=app)
    app.add_middleware(ObservabilityMiddleware)
    return app


def container_of(app: FastAPI) -> Container:
    """The running app's container (inside its lifespan): for tests, benches and tools."""
    container: Container = app.state.container
    return container
