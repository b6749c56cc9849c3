"""With SENTRY_DSN pointing at the local receiver, an unhandled error on a real server produces
exactly one event with release, environment, request id and user id, and none of the request's
secrets (password in the JSON body, session and CSRF cookies, CSRF header, bearer token)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Request

from aicoach.config import Settings
from aicoach.observability import sentry
from aicoach.observability.context import bind_user, register_secret
from aicoach.observability.errorpage import server_error_handler
from aicoach.observability.middleware import ObservabilityMiddleware
from tests.fakes.sentry_receiver import SentryReceiver
from tests.observability.conftest import (
    API_TOKEN,
    CSRF_TOKEN,
    PASSWORD,
    PROVIDER_KEY,
    SESSION_ID,
    obs_settings,
)
from tests.observability.servers import serve

SECRETS = (PASSWORD, SESSION_ID, CSRF_TOKEN, API_TOKEN, PROVIDER_KEY)


def _user_from_token(request: Request) -> int:
    # A *sync* dependency runs in a worker thread: the user id must still reach the event.
    assert request.headers["authorization"].endswith(API_TOKEN)
    bind_user(7)
    return 7


def build_app(settings: Settings) -> FastAPI:
    sentry.init_sentry(settings)
    app = FastAPI()
    app.add_exception_handler(Exception, server_error_handler)

    @app.post("/api/orders/{symbol}")
    async def place_order(
        symbol: str, request: Request, user: Annotated[int, Depends(_user_from_token)]
    ) -> dict[str, Any]:
        body = await request.json()
        password = body["password"]
        register_secret(password)
        session_id = request.cookies["aicoach_session"]
        csrf = request.headers["x-csrf-token"]
        provider_key = PROVIDER_KEY
        auth = request.headers["authorization"]
        # Every local above lands in the frame's vars; the message carries the token too.
        raise RuntimeError(
            f"order for {symbol} failed: {auth} {session_id[:0]}{csrf[:0]}{provider_key[:0]}"
            f" pw={password}"
        )

    @app.get("/api/fine")
    async def fine() -> dict[str, str]:
        return {"ok": "yes"}

    app.add_middleware(ObservabilityMiddleware)
    return app


def _secret_request(client: httpx.Client, url: str, request_id: str) -> httpx.Response:
    return client.post(
        f"{url}/api/orders/SPY?note=1",
        json={"email": "a@example.com", "password": PASSWORD},
        headers={
            "X-Request-ID": request_id,
            "X-CSRF-Token": CSRF_TOKEN,
            "Authorization": f"Bearer {API_TOKEN}",
            "Cookie": f"aicoach_session={SESSION_ID}; aicoach_csrf={CSRF_TOKEN}",
        },
    )


def _settle(receiver: SentryReceiver, count: int) -> list[dict[str, Any]]:
    """Every event captured so far, once all of them have reached the receiver.

    Callers capture before settling (the served app has stopped by then), so a duplicate would
    already be in the SDK's queue; ``flush`` returns once that queue is drained, and the
    receiver records an envelope before it answers. No window to sleep through is left.
    """
    sentry.flush(timeout=5)
    receiver.wait_for_events(count, timeout=5)
    sentry.flush(timeout=5)
    return receiver.events


def test_unhandled_error_makes_one_clean_event(tmp_path: Path, receiver: SentryReceiver) -> None:
    settings = obs_settings(
        tmp_path,
        sentry_dsn=receiver.dsn(42),
        sentry_environment="staging",
        sentry_release="aicoach@9.9.9+abc123",
    )
    app = build_app(settings)
    with serve(app) as url, httpx.Client(timeout=10) as client:
        response = _secret_request(client, url, "req-e2e-0001")
        # uvicorn closes a connection whose app raised: ask again on a fresh one.
        assert httpx.get(f"{url}/api/fine").status_code == 200  # sends nothing

    assert response.status_code == 500
    assert response.headers["x-request-id"] == "req-e2e-0001"
    answer = response.json()
    assert answer["request_id"] == "req-e2e-0001"
    assert answer["event_id"]

    events = _settle(receiver, 1)
    assert len(events) == 1, [e.get("exception") for e in events]
    event = events[0]
    assert event["event_id"] == answer["event_id"]  # the id the user is told to quote
    assert event["release"] == "aicoach@9.9.9+abc123"
    assert event["environment"] == "staging"
    assert event["tags"]["request_id"] == "req-e2e-0001"
    assert event["user"] == {"id": "7"}
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["transaction"] == "/api/orders/{symbol}"

    # Nothing that was sent to the receiver, in any envelope, holds a secret of the request.
    for req in receiver.requests:
        assert req.project_id == "42"
        body = req.body.decode("utf-8", "replace")
        for secret in SECRETS:
            assert secret not in body, secret
    # ... while the event still says what happened.
    assert "a@example.com" in json.dumps(event["request"])


def test_sdk_compresses_and_receiver_decodes(tmp_path: Path, receiver: SentryReceiver) -> None:
    sentry.init_sentry(obs_settings(tmp_path, sentry_dsn=receiver.dsn(7)))
    try:
        raise ValueError("compressed")
    except ValueError as exc:
        event_id = sentry.capture_exception(exc, symbol="SPY")
    events = _settle(receiver, 1)
    assert [e["event_id"] for e in events] == [event_id]
    assert events[0]["tags"]["symbol"] == "SPY"
    assert receiver.requests[0].headers.get("content-encoding") in {"br", "gzip"}


@pytest.mark.parametrize("with_dsn_first", [False, True])
def test_without_dsn_nothing_is_sent_and_nothing_breaks(
    tmp_path: Path, receiver: SentryReceiver, with_dsn_first: bool
) -> None:
    if with_dsn_first:  # a later init without DSN must switch the earlier client off
        assert sentry.init_sentry(obs_settings(tmp_path, sentry_dsn=receiver.dsn()))
    assert sentry.init_sentry(obs_settings(tmp_path)) is False
    assert not sentry.is_enabled()
    app = build_app(obs_settings(tmp_path))
    with serve(app) as url, httpx.Client(timeout=10) as client:
        response = _secret_request(client, url, "req-nodsn")
    assert response.status_code == 500
    assert response.json()["event_id"] is None
    assert response.json()["request_id"] == "req-nodsn"
    exc = KeyError("x")
    assert sentry.capture_exception(exc) is None
    # Nothing to wait for: no client is active, and the earlier one (with_dsn_first) was closed
    # by the DSN-less init, its queue dropped; flush would drain a client that wrongly stayed.
    sentry.flush()
    assert receiver.requests == []


def test_capture_twice_gives_one_event(tmp_path: Path, receiver: SentryReceiver) -> None:
    sentry.init_sentry(obs_settings(tmp_path, sentry_dsn=receiver.dsn()))
    exc = RuntimeError("once")
    first = sentry.capture_exception(exc)
    assert first is not None
    assert sentry.capture_exception(exc) == first
    assert sentry.event_id_of(exc) == first
    assert len(_settle(receiver, 1)) == 1
