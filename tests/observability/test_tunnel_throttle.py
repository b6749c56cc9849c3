"""The anonymous tunnel is throttled: per client address and in all, 429 + Retry-After past it."""

from __future__ import annotations

from pathlib import Path

import httpx

from aicoach.observability.throttle import SlidingWindow
from aicoach.observability.tunnel import close_tunnel_client
from tests.fakes.sentry_receiver import SentryReceiver
from tests.observability.conftest import obs_settings
from tests.observability.test_tunnel import envelope, make_app


async def test_a_flood_gets_429s_and_sentry_sees_at_most_the_limit(
    tmp_path: Path, receiver: SentryReceiver
) -> None:
    app = make_app(obs_settings(tmp_path, sentry_browser_dsn=receiver.dsn(42),
                                sentry_tunnel_per_client_per_minute=20))  # fmt: skip
    body = envelope(receiver.dsn(42))
    transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as c:
        statuses = []
        # 200 envelopes back to back (the limit is counted before forwarding, so their order,
        # not their concurrency, is what is tested; 20 concurrent forwards to the one-thread
        # fake receiver could be refused on a loaded machine and read as 502s).
        for _ in range(200):
            statuses.append((await c.post("/monitoring/tunnel", content=body)).status_code)
        last = await c.post("/monitoring/tunnel", content=body)
        other = httpx.ASGITransport(app=app, client=("198.51.100.8", 5000))
        async with httpx.AsyncClient(transport=other, base_url="http://app") as d:
            fresh = await d.post("/monitoring/tunnel", content=body)
    await close_tunnel_client(app)
    counts = {s: statuses.count(s) for s in set(statuses)}
    assert counts == {200: 20, 429: 180}, counts
    assert last.status_code == 429 and 1 <= int(last.headers["Retry-After"]) <= 60
    assert fresh.status_code == 200  # another address has its own allowance
    assert len(receiver.wait_for_events(21)) == 21


async def test_the_global_cap_holds_across_addresses(
    tmp_path: Path, receiver: SentryReceiver
) -> None:
    app = make_app(obs_settings(tmp_path, sentry_browser_dsn=receiver.dsn(42),
                                sentry_tunnel_per_minute=5))  # fmt: skip
    body = envelope(receiver.dsn(42))
    statuses = []
    for n in range(12):
        transport = httpx.ASGITransport(app=app, client=(f"198.51.100.{n}", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as c:
            statuses.append((await c.post("/monitoring/tunnel", content=body)).status_code)
    await close_tunnel_client(app)
    assert statuses == [200] * 5 + [429] * 7


def test_the_window_slides() -> None:
    now = [1000.0]
    window = SlidingWindow(2, clock=lambda: now[0])
    assert window.retry_after("a") == 0 and window.retry_after("a") == 0
    assert window.retry_after("a") == 60
    now[0] += 59.5
    assert window.retry_after("a") == 1
    now[0] += 1
    assert window.retry_after("a") == 0
