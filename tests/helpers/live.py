"""A real uvicorn server on a free loopback port, and Debian's chromium through Playwright."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from fastapi import FastAPI

from tests.helpers.threaded_server import serve_asgi

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` (with its lifespan) in a background thread; yields the base URL."""
    with serve_asgi(app, name="live-server", lifespan="on") as url:
        yield url


@asynccontextmanager
async def browser_page(
    browser: Any, base_url: str, *, timeout_ms: int = 15_000
) -> AsyncIterator[Any]:
    """A fresh desktop-size page on ``base_url``; on exit, fails if the page threw a JS error.

    The context bypasses the CSP: Playwright evaluates string predicates (``wait_for_function``)
    with eval, which the app's CSP refuses; tests/security/test_csp_browser.py drives the pages
    under the real policy."""
    context = await browser.new_context(
        base_url=base_url, viewport={"width": 1440, "height": 900}, bypass_csp=True
    )
    context.set_default_timeout(timeout_ms)
    pg = await context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield pg
    finally:
        await context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
