"""The harness for unit-testing the static ES modules inside Chromium: the static directory
served by a stdlib server on 127.0.0.1 under ``/static/`` (the app's URLs, so the server's card
map works here too; ``/js/...`` still answers for older tests) with a bare page at ``/``, and a
page that fails the test on any uncaught JS error. A test imports the modules it needs with
``import()`` in ``page.evaluate``; no app, no database. ``tests/web/conftest.py`` turns these
into the ``static_site`` and ``js`` fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from tests.helpers.threaded_server import BackgroundHTTPServer, QuietFileHandler

STATIC = Path(__file__).resolve().parents[2] / "src" / "aicoach" / "web" / "static"
#: The bare document at ``/``: a CSRF token for modules that post, ``#toasts`` and ``#root``
#: for widgets that render into the page.
PAGE = (
    b'<!doctype html><html><head><meta charset="utf-8"><meta name="csrf-token" content="tok">'
    b'</head><body><div id="toasts"></div><div id="root"></div></body></html>'
)


class _StaticHandler(QuietFileHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/static/"):
            self.path = self.path.removeprefix("/static")
        if self.path in ("/", "/index.html"):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)
            return
        super().do_GET()


@contextmanager
def serve_static() -> Iterator[str]:
    """Serve ``src/aicoach/web/static`` with ``PAGE`` at ``/``; yields the base URL."""
    with BackgroundHTTPServer(partial(_StaticHandler, directory=str(STATIC))) as server:
        yield server.base_url


@asynccontextmanager
async def js_page(browser: Any, site: str, **context_options: Any) -> AsyncIterator[Any]:
    """A fresh browser context's page on ``site``; asserts on exit that no JS error was thrown.
    ``context_options`` go to ``browser.new_context`` (e.g. ``viewport``)."""
    context = await browser.new_context(**context_options)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(site + "/")
    yield page
    await context.close()
    assert not errors, errors
