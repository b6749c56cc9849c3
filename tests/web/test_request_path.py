"""The authenticated API request path: one-query auth, no caching of credentials across
requests, the connection handed back early on auth-only routes, and the levels route's reused
JSON body."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from aicoach.accounts.deps import _auth_only
from aicoach.accounts.models import ApiToken, User, UserSession
from aicoach.db import transaction
from aicoach.kit.orm import utcnow
from tests.conftest import client_for
from tests.helpers.users import UserClient


async def _bearer(app: FastAPI, alice: UserClient) -> tuple[httpx.AsyncClient, int]:
    made = (await alice.post("/api/tokens", json={"name": "path"})).json()
    api = client_for(app)
    api.headers["Authorization"] = f"Bearer {made['token']}"
    return api, int(made["id"])


async def test_revoked_token_is_refused_on_the_very_next_request(
    app: FastAPI, alice: UserClient
) -> None:
    api, token_id = await _bearer(app, alice)
    async with api:
        assert (await api.get("/api/levels/SPY")).status_code == 200
        assert (await alice.delete(f"/api/tokens/{token_id}")).status_code == 204
        refused = await api.get("/api/levels/SPY")
        assert refused.status_code == 401
        assert "invalid, expired or revoked" in refused.json()["error"]["message"]


async def test_expired_token_and_deactivated_user_are_refused_at_once(
    app: FastAPI, alice: UserClient
) -> None:
    api, token_id = await _bearer(app, alice)
    sessions = app.state.container.sessions
    async with api:
        assert (await api.get("/api/me")).status_code == 200
        async with transaction(sessions) as session:
            stmt = update(ApiToken).where(ApiToken.id == token_id)
            await session.execute(stmt.values(expires_at=utcnow() - timedelta(seconds=1)))
        assert (await api.get("/api/levels/SPY")).status_code == 401
        async with transaction(sessions) as session:
            await session.execute(update(ApiToken).values(expires_at=None))
            await session.execute(update(User).values(is_active=False))
        assert (await api.get("/api/levels/SPY")).status_code == 401


async def test_ended_browser_session_is_anonymous_on_the_next_request(
    app: FastAPI, alice: UserClient
) -> None:
    assert (await alice.get("/api/levels/SPY")).status_code == 200
    async with transaction(app.state.container.sessions) as session:
        await session.execute(update(UserSession).values(revoked_at=utcnow()))
    assert (await alice.get("/api/levels/SPY")).status_code == 401


async def test_last_used_is_written_at_most_once_a_minute(app: FastAPI, alice: UserClient) -> None:
    api, token_id = await _bearer(app, alice)
    sessions = app.state.container.sessions

    async def last_used() -> object:
        async with transaction(sessions) as session:
            stmt = select(ApiToken.last_used_at).where(ApiToken.id == token_id)
            return await session.scalar(stmt)

    async with api:
        assert await last_used() is None
        await api.get("/api/levels/SPY")  # an auth-only route: the touch is committed early
        first = await last_used()
        assert first is not None
        await api.get("/api/levels/SPY")
        assert await last_used() == first
        async with transaction(sessions) as session:
            old = utcnow() - timedelta(minutes=2)
            await session.execute(update(ApiToken).values(last_used_at=old))
        await api.get("/api/me")
        assert (await last_used()) > old  # type: ignore[operator]


async def test_a_change_to_the_user_on_an_auth_only_route_is_saved(alice: UserClient) -> None:
    # PATCH /api/me asks for no session of its own: auth commits early, and the change made
    # afterwards to the (still attached) user must still land with the request's commit.
    assert (await alice.patch("/api/me", json={"display_name": "Alice B"})).status_code == 200
    assert (await alice.get("/api/me")).json()["display_name"] == "Alice B"


def test_auth_only_routes_are_told_apart() -> None:
    from aicoach.accounts import routes as account_routes
    from aicoach.levels import routes as levels_routes

    routers = (levels_routes.router, account_routes.router)
    routes = {(r.path, m): r for x in routers for r in x.routes for m in getattr(r, "methods", ())}

    class _Request:
        def __init__(self, route: object) -> None:
            self.scope = {"route": route}

    assert _auth_only(_Request(routes["/api/levels/{symbol}", "GET"]))  # type: ignore[arg-type]
    assert not _auth_only(_Request(routes["/api/tokens", "GET"]))  # type: ignore[arg-type]
    assert not _auth_only(_Request(None))  # type: ignore[arg-type]


async def test_levels_body_is_the_reports_json_encoded_once(
    app: FastAPI, alice: UserClient
) -> None:
    levels = app.state.container.levels
    response = await alice.get("/api/levels/spy")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    report = await levels.key_levels("SPY")
    assert response.json() == json.loads(json.dumps(report.to_dict()))
    assert await levels.key_levels_json("spy") is await levels.key_levels_json("SPY")
    schema = app.openapi()["paths"]["/api/levels/{symbol}"]["get"]["responses"]["200"]
    assert schema["content"]["application/json"]["schema"]["type"] == "object"


async def test_a_write_is_committed_before_its_response_is_sent(live_url: str) -> None:
    """Signing up and at once asking who I am never races the commit, over a real server: the
    session dependency ends before the response is sent, not after it."""
    import httpx

    from tests.helpers.users import prime_csrf

    async with httpx.AsyncClient(base_url=live_url) as http:
        for i in range(20):
            csrf = await prime_csrf(http)
            data = {
                "email": f"race{i}@example.com",
                "password": "a long passphrase",
                "csrf_token": csrf,
            }
            assert (await http.post("/signup", data=data)).status_code == 303
            assert (await http.get("/api/me")).status_code == 200
            http.cookies.clear()
