"""End to end on the real app (``create_app``): a signed-in user's request that crashes gives
exactly one Sentry event with release, environment, request id and user id, and none of the
password, session cookie, CSRF token or API token of that request. Also: /metrics, X-Request-ID
and the tunnel are wired."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi import FastAPI, Request

from aicoach.accounts.deps import CurrentUser
from aicoach.accounts.security import SESSION_COOKIE
from aicoach.observability import sentry
from tests.fakes.sentry_receiver import SentryReceiver
from tests.helpers.users import signup_user
from tests.observability.conftest import PASSWORD


async def test_real_app_error_event(app_factory: Any, receiver: SentryReceiver) -> None:
    app: FastAPI = app_factory(
        sentry_dsn=receiver.dsn(42),
        sentry_browser_dsn=receiver.dsn(43),
        sentry_environment="e2e",
        sentry_release="aicoach@0.0.0+e2e",
    )

    async def crash(request: Request, user: CurrentUser) -> dict[str, str]:
        body = await request.json()
        secret_in_frame = body["password"]
        raise RuntimeError(f"crash while handling {len(secret_in_frame)} characters")

    app.add_api_route("/api/_test/crash", crash, methods=["POST"])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        user = await signup_user(http, "e2e@example.com", PASSWORD)
        api_token = await user.new_token()
        session_id = http.cookies.get(SESSION_COOKIE)
        assert session_id
        receiver.clear()
        response = await http.post(
            "/api/_test/crash",
            json={"password": PASSWORD, "note": "hello"},
            headers={
                "X-CSRF-Token": user.csrf,
                "Authorization": f"Bearer {api_token}",
                "X-Request-ID": "e2e-req-1",
            },
        )
        assert response.status_code == 500
        body = response.json()["error"]
        assert body["request_id"] == "e2e-req-1"
        metrics = (await http.get("/metrics")).text
        tunnel = await http.post("/monitoring/tunnel", content=b"garbage")
        await http.get("/api/me")  # a second, ordinary request: no event

    assert 'route="/api/_test/crash"' in metrics and 'status="500"' in metrics
    assert tunnel.status_code == 400
    # The app has shut down, so everything it captured is queued: flush drains the queue and
    # the receiver records each envelope before answering, so a duplicate would be here now.
    sentry.flush(timeout=5)
    receiver.wait_for_events(1, timeout=5)
    sentry.flush(timeout=5)
    events = receiver.events
    assert len(events) == 1, [e.get("exception") for e in events]
    event = events[0]
    assert body["event_id"] == event["event_id"]  # the id the error page shows
    assert event["release"] == "aicoach@0.0.0+e2e"
    assert event["environment"] == "e2e"
    assert event["tags"]["request_id"] == "e2e-req-1"
    assert event["user"] == {"id": str(user.user_id)}
    for req in receiver.requests:
        text = req.body.decode("utf-8", "replace")
        for secret in (PASSWORD, session_id, user.csrf, api_token):
            assert secret not in text, secret
    assert "hello" in json.dumps(event.get("request", {}))
