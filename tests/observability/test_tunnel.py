"""The browser tunnel forwards envelopes for our project only: never an open proxy."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import brotli
import httpx
import pytest
from fastapi import FastAPI

from aicoach.config import Settings
from aicoach.observability.tunnel import MAX_BODY_BYTES, close_tunnel_client, tunnel_router
from tests.fakes.sentry_receiver import PUBLIC_KEY, SentryReceiver
from tests.observability.conftest import CSRF_TOKEN, PASSWORD, SESSION_ID, obs_settings


def envelope(dsn: str, event: dict[str, Any] | None = None, *, with_length: bool = True) -> bytes:
    event = event or {"event_id": "a" * 32, "message": "browser boom", "platform": "javascript"}
    payload = json.dumps(event).encode()
    header: dict[str, Any] = {"type": "event"}
    if with_length:
        header["length"] = len(payload)
    head = {"event_id": event.get("event_id", "a" * 32), "dsn": dsn, "sdk": {"name": "x"}}
    return b"\n".join([json.dumps(head).encode(), json.dumps(header).encode(), payload]) + b"\n"


def make_app(settings: Settings) -> FastAPI:
    app = FastAPI()
    app.state.settings = settings
    app.include_router(tunnel_router)
    return app


@pytest.fixture
async def other_receiver() -> AsyncIterator[SentryReceiver]:
    with SentryReceiver() as r:
        yield r


async def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app")


async def test_forwards_a_valid_envelope_and_scrubs_it(
    tmp_path: Path, receiver: SentryReceiver
) -> None:
    app = make_app(obs_settings(tmp_path, sentry_browser_dsn=receiver.dsn(42)))
    event = {
        "event_id": "b" * 32,
        "message": "TypeError: x is undefined",
        "request": {
            "url": "http://app/positions?token=abcdef123456",
            "headers": {"Cookie": f"aicoach_session={SESSION_ID}", "User-Agent": "Chromium"},
        },
        "extra": {"form": {"password": PASSWORD}, "note": f"sid was {SESSION_ID}"},
        "tags": {"request_id": "rid-from-page"},
    }
    async with await _client(app) as c:
        r = await c.post(
            "/monitoring/tunnel",
            content=envelope(receiver.dsn(42), event, with_length=False),
            headers={"Cookie": f"aicoach_session={SESSION_ID}; aicoach_csrf={CSRF_TOKEN}"},
        )
    await close_tunnel_client(app)
    assert r.status_code == 200, r.text
    events = receiver.wait_for_events(1)
    assert len(events) == 1 and receiver.requests[0].project_id == "42"
    got = events[0]
    assert got["message"] == "TypeError: x is undefined"
    assert got["tags"]["request_id"] == "rid-from-page"
    text = receiver.requests[0].body.decode()
    for secret in (SESSION_ID, PASSWORD, CSRF_TOKEN, "abcdef123456"):
        assert secret not in text
    assert got["request"]["headers"]["User-Agent"] == "Chromium"


@pytest.mark.parametrize("encoding", ["gzip", "br", "identity"])
async def test_accepts_compressed_bodies(
    tmp_path: Path, receiver: SentryReceiver, encoding: str
) -> None:
    app = make_app(obs_settings(tmp_path, sentry_browser_dsn=receiver.dsn(42)))
    body = envelope(receiver.dsn(42))
    data = {"gzip": gzip.compress, "br": brotli.compress, "identity": lambda b: b}[encoding](body)
    async with await _client(app) as c:
        r = await c.post("/monitoring/tunnel", content=data, headers={"Content-Encoding": encoding})
    await close_tunnel_client(app)
    assert r.status_code == 200, r.text
    assert len(receiver.wait_for_events(1)) == 1


async def test_refuses_other_hosts_projects_and_garbage(
    tmp_path: Path, receiver: SentryReceiver, other_receiver: SentryReceiver
) -> None:
    app = make_app(obs_settings(tmp_path, sentry_browser_dsn=receiver.dsn(42)))
    cases = {
        # another Sentry host (a live one: if the tunnel were an open proxy it would get this)
        other_receiver.dsn(42): 403,
        # same host, another project
        receiver.dsn(43): 403,
        # same host name, another port
        f"http://{PUBLIC_KEY}@127.0.0.1:{receiver.port + 1}/42": 403,
        # a path prefix that is not ours
        f"http://{PUBLIC_KEY}@127.0.0.1:{receiver.port}/evil/42": 403,
        "not a dsn": 400,
    }
    short = json.dumps({"dsn": receiver.dsn(42)}).encode() + b'\n{"type":"event","length":9}\n'
    async with await _client(app) as c:
        for dsn, status in cases.items():
            r = await c.post("/monitoring/tunnel", content=envelope(dsn))
            assert r.status_code == status, (dsn, r.text)
            assert "detail" in r.json()
        for garbage, status in [
            (b"", 400),
            (b"not json at all\n{}", 400),
            (b'{"no_dsn": true}\n{"type":"event"}\n{}', 400),
            (b'["a list"]\n', 400),
            (short, 400),
        ]:  # fmt: skip
            r = await c.post("/monitoring/tunnel", content=garbage)
            assert r.status_code == status, garbage
        r = await c.post(
            "/monitoring/tunnel",
            content=envelope(receiver.dsn(42)),
            headers={"Content-Encoding": "gzip"},  # claims gzip, is not
        )
        assert r.status_code == 400
        r = await c.post("/monitoring/tunnel", content=b"x", headers={"Content-Encoding": "zstd"})
        assert r.status_code == 415
        big = envelope(receiver.dsn(42), {"event_id": "c" * 32, "pad": "x" * MAX_BODY_BYTES})
        r = await c.post("/monitoring/tunnel", content=big)
        assert r.status_code == 413
        bomb = gzip.compress(envelope(receiver.dsn(42), {"pad": "x" * 8_000_000}))
        assert len(bomb) < MAX_BODY_BYTES
        r = await c.post("/monitoring/tunnel", content=bomb, headers={"Content-Encoding": "gzip"})
        assert r.status_code == 413
    await close_tunnel_client(app)
    assert receiver.requests == [] and other_receiver.requests == []


async def test_falls_back_to_server_dsn_and_is_off_without_dsn(
    tmp_path: Path, receiver: SentryReceiver
) -> None:
    off = make_app(obs_settings(tmp_path))
    async with await _client(off) as c:
        r = await c.post("/monitoring/tunnel", content=envelope(receiver.dsn(42)))
    assert r.status_code == 404 and r.json()["detail"] == "monitoring is not configured"
    server_only = make_app(obs_settings(tmp_path, sentry_dsn=receiver.dsn(5)))
    async with await _client(server_only) as c:
        assert (
            await c.post("/monitoring/tunnel", content=envelope(receiver.dsn(42)))
        ).status_code == 403
        assert (
            await c.post("/monitoring/tunnel", content=envelope(receiver.dsn(5)))
        ).status_code == 200
    await close_tunnel_client(server_only)
    assert [r.project_id for r in receiver.requests] == ["5"]


async def test_upstream_down_is_a_502(tmp_path: Path) -> None:
    from tests.helpers.threaded_server import free_port

    dsn = f"http://{PUBLIC_KEY}@127.0.0.1:{free_port()}/42"  # nothing listens there
    app = make_app(obs_settings(tmp_path, sentry_browser_dsn=dsn))
    async with await _client(app) as c:
        r = await c.post("/monitoring/tunnel", content=envelope(dsn))
    await close_tunnel_client(app)
    assert r.status_code == 502
