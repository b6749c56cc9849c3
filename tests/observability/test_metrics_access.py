"""Who may scrape ``GET /metrics``: the bearer token when one is set, else loopback peers only."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import SecretStr


async def _get(app: Any, peer: str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        return await http.get("/metrics", headers=headers or {})


async def test_without_a_token_only_loopback_peers_may_scrape(app_factory: Any) -> None:
    app = app_factory(metrics_token=None)
    async with app.router.lifespan_context(app):
        assert (await _get(app, "127.0.0.1")).status_code == 200
        assert (await _get(app, "::1")).status_code == 200
        assert (await _get(app, "203.0.113.9")).status_code == 403
        # A proxy on this host forwarding a public client does not make the client local.
        proxied = await _get(app, "127.0.0.1", {"X-Forwarded-For": "203.0.113.9"})
        assert proxied.status_code == 403
        assert "aicoach_http" not in proxied.text


async def test_with_a_token_the_token_is_required(app_factory: Any) -> None:
    app = app_factory(metrics_token=SecretStr("scrape-me-please"))
    async with app.router.lifespan_context(app):
        assert (await _get(app, "127.0.0.1")).status_code == 401
        wrong = await _get(app, "127.0.0.1", {"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
        good = await _get(app, "203.0.113.9", {"Authorization": "Bearer scrape-me-please"})
        assert good.status_code == 200 and "aicoach_http_requests_total" in good.text
