"""A real browser (Debian's chromium) running the vendored Sentry bundle and monitoring.js:
an uncaught error and an unhandled rejection each reach the local receiver exactly once,
through our tunnel, with release, environment, request id and user id, and without the
session cookie, CSRF token or password that were in the page."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

import aicoach.web
from aicoach.observability.browser import browser_sentry_config
from aicoach.observability.context import current_request_id
from aicoach.observability.middleware import ObservabilityMiddleware
from aicoach.observability.tunnel import close_tunnel_client, tunnel_router
from tests.fakes.sentry_receiver import SentryReceiver
from tests.observability.conftest import CSRF_TOKEN, PASSWORD, SESSION_ID, obs_settings
from tests.observability.servers import serve

CHROMIUM = Path("/usr/bin/chromium")
STATIC = Path(aicoach.web.__file__).parent / "static"
BUNDLE = STATIC / "vendor" / "sentry" / "bundle.min.js"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed"),
    pytest.mark.skipif(not BUNDLE.exists(), reason="the Sentry browser bundle is not vendored"),
]


def build_app(tmp_path: Path, receiver: SentryReceiver) -> FastAPI:
    settings = obs_settings(
        tmp_path,
        sentry_browser_dsn=receiver.dsn(77),
        sentry_environment="browser-test",
        sentry_release="aicoach@1.2.3+feedbeef",
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await close_tunnel_client(app)

    app = FastAPI(lifespan=lifespan)
    app.state.settings = settings
    app.include_router(tunnel_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/page")
    async def page() -> HTMLResponse:
        config = json.dumps(browser_sentry_config(settings)).replace("<", "\\u003c")
        return HTMLResponse(
            f"""<!doctype html><html><head>
<meta name="aicoach-user-id" content="7">
<meta name="aicoach-request-id" content="{current_request_id()}">
<meta name="csrf-token" content="{CSRF_TOKEN}">
<script id="sentry-config" type="application/json">{config}</script>
<script src="/static/vendor/sentry/bundle.min.js"></script>
<script src="/static/js/kit/monitoring.js" defer></script>
</head><body><form><input id="pw" type="password" value="{PASSWORD}"></form></body></html>"""
        )

    app.add_middleware(ObservabilityMiddleware)
    return app


def test_browser_errors_reach_sentry_once_each_and_clean(
    tmp_path: Path, receiver: SentryReceiver
) -> None:
    from playwright.sync_api import sync_playwright

    app = build_app(tmp_path, receiver)
    with serve(app, lifespan="on") as url, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            context = browser.new_context()
            context.add_cookies(
                [
                    {"name": "aicoach_session", "value": SESSION_ID, "url": url},
                    {"name": "aicoach_csrf", "value": CSRF_TOKEN, "url": url},
                ]
            )
            page = context.new_page()
            tunnel_posts: list[str] = []
            page.on("request", lambda r: tunnel_posts.append(r.url) if r.method == "POST" else None)
            response = page.goto(f"{url}/page")
            assert response is not None
            request_id = response.headers["x-request-id"]
            page.wait_for_function(
                "window.Sentry && window.Sentry.getClient && !!Sentry.getClient()"
            )
            # An uncaught error (its message even carries the cookies) and an unhandled rejection.
            page.evaluate(
                "setTimeout(() => { throw new Error('browser boom ' + document.cookie + ' pw='"
                " + document.getElementById('pw').value) }, 0)"
            )
            page.evaluate(
                "() => { Promise.reject(new Error('rejected boom csrf=" + CSRF_TOKEN + "')); }"
            )
            events = receiver.wait_for_events(2, timeout=15)
            # Both errors were captured; wait until every envelope the browser SDK queued has
            # been delivered (a duplicate would be among them). The tunnel answers the browser
            # only after forwarding, so the receiver has them all when this resolves.
            page.evaluate("() => Sentry.flush(5000)")
        finally:
            browser.close()
    assert all(u.endswith("/monitoring/tunnel") for u in tunnel_posts), tunnel_posts
    events = receiver.events
    messages = sorted(e["exception"]["values"][0]["value"] for e in events)
    assert len(events) == 2, messages
    assert messages[0].startswith("browser boom") and messages[1].startswith("rejected boom")
    for event in events:
        assert event["release"] == "aicoach@1.2.3+feedbeef"
        assert event["environment"] == "browser-test"
        assert event["tags"]["request_id"] == request_id
        assert event["user"]["id"] == "7"
    assert {r.project_id for r in receiver.requests} == {"77"}
    for req in receiver.requests:
        text = req.body.decode("utf-8", "replace")
        for secret in (SESSION_ID, CSRF_TOKEN, PASSWORD):
            assert secret not in text, secret


def test_no_browser_dsn_means_no_sdk(tmp_path: Path, receiver: SentryReceiver) -> None:
    from playwright.sync_api import sync_playwright

    app = FastAPI()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/page")
    async def page() -> HTMLResponse:
        config = json.dumps(browser_sentry_config(obs_settings(tmp_path)))
        return HTMLResponse(
            f'<script id="sentry-config" type="application/json">{config}</script>'
            '<script src="/static/vendor/sentry/bundle.min.js"></script>'
            '<script src="/static/js/kit/monitoring.js"></script>'
        )

    with serve(app) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            pg = browser.new_page()
            errors: list[str] = []
            pg.on("pageerror", lambda e: errors.append(str(e)))
            pg.goto(f"{url}/page")
            pg.wait_for_load_state("load")
            assert pg.evaluate("typeof window.Sentry") == "object"
            assert pg.evaluate("!!window.Sentry.getClient()") is False
            assert errors == []
        finally:
            browser.close()
    assert receiver.requests == []
