"""A real uvicorn server on a free loopback port, and Debian's chromium through Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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
