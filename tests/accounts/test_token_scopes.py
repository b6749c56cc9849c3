"""API token scopes (read, trade, admin), enforced for every route the app serves; account
management only from a browser session; a password change revokes every token."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from aicoach.accounts.deps import get_principal
from tests.conftest import client_for
from tests.helpers.users import UserClient, login_user
from tests.probes.routes import STATE_CHANGING, Route, app_routes, minimal_body

# State-changing routes that authenticate no one, so a token's scopes have nothing to say there.
UNAUTHENTICATED = {"POST /login", "POST /signup", "POST /monitoring/tunnel"}
# Account management: sessions, tokens, password, profile and the Settings page.
BROWSER_ONLY_PREFIXES = ("/api/tokens", "/api/sessions", "/api/me/password", "/settings")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _authenticates(app: FastAPI) -> set[str]:
    def uses(dependant: object) -> bool:
        subs = getattr(dependant, "dependencies", [])
        return any(sub.call is get_principal or uses(sub) for sub in subs)

    found = set()
    for context in iter_route_contexts(app.router.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and uses(route.dependant):
            found |= {f"{m} {context.path_format}" for m in context.methods or ()}
    return found


async def _send(app: FastAPI, http: httpx.AsyncClient, route: Route, token: str) -> httpx.Response:
    url = route.url(dict.fromkeys(route.params, 1))
    if route.in_schema:
        body = minimal_body(app, route)
        return await http.request(route.method, url, json=body, headers=_bearer(token))
    return await http.request(route.method, url, data={"x": "1"}, headers=_bearer(token))


async def test_a_read_token_is_refused_on_every_state_changing_route(
    app: FastAPI, alice: UserClient
) -> None:
    token = await alice.new_token("reader", scopes=("read",))
    routes = [r for r in app_routes(app) if r.method in STATE_CHANGING]
    authenticated = _authenticates(app)
    assert {str(r) for r in routes} - authenticated == UNAUTHENTICATED
    refused = []
    async with client_for(app) as http:
        for route in routes:
            if str(route) in UNAUTHENTICATED:
                continue
            response = await _send(app, http, route, token)
            assert response.status_code == 403, (str(route), response.text)
            assert "read-only" in response.text, (str(route), response.text)
            refused.append(route)
        assert (await http.get("/api/watchlist", headers=_bearer(token))).status_code == 200
    assert len(refused) > 20


async def test_a_trade_token_changes_data_but_not_the_account(
    app: FastAPI, alice: UserClient
) -> None:
    token = await alice.new_token("trader", scopes=("trade",))
    async with client_for(app) as http:
        added = await http.post("/api/watchlist", json={"symbol": "MSFT"}, headers=_bearer(token))
        assert added.status_code == 201, added.text
        profile = await http.patch("/api/me", json={"display_name": "x"}, headers=_bearer(token))
        assert profile.status_code == 403
        assert profile.json()["error"]["code"] == "browser_session_required"


async def test_every_session_and_token_route_needs_a_browser_session(
    app: FastAPI, alice: UserClient
) -> None:
    token = await alice.new_token("everything", scopes=("admin",))
    routes = [r for r in app_routes(app) if r.path.startswith(BROWSER_ONLY_PREFIXES)] + [
        Route("PATCH", "/api/me", True)
    ]
    assert len(routes) >= 15
    async with client_for(app) as http:
        for route in routes:
            response = await _send(app, http, route, token)
            assert response.status_code == 403, (str(route), response.text)
            assert "managed from Settings in the browser" in response.text, str(route)
    # The browser session itself still lists them.
    assert (await alice.get("/api/tokens")).status_code == 200


async def test_admin_routes_need_the_admin_scope(
    app: FastAPI, alice: UserClient, bob: UserClient
) -> None:
    trade = await alice.new_token("trade", scopes=("trade",))
    admin = await alice.new_token("admin", scopes=("admin",))
    listed = {t["name"]: t["scopes"] for t in (await alice.get("/api/tokens")).json()}
    assert listed == {"trade": ["read", "trade"], "admin": ["read", "trade", "admin"]}
    async with client_for(app) as http:
        refused = await http.get("/api/admin/users", headers=_bearer(trade))
        assert refused.status_code == 403 and "no admin scope" in refused.text
        assert (await http.get("/api/admin/users", headers=_bearer(admin))).status_code == 200
        made = await http.post("/api/admin/invites", json={}, headers=_bearer(admin))
        assert made.status_code == 201
    # Only an administrator grants it; an unknown scope is a 422 naming the choices.
    grant = await bob.post("/api/tokens", json={"name": "x", "scopes": ["admin"]})
    assert grant.status_code == 403 and "Only an administrator" in grant.text
    unknown = await bob.post("/api/tokens", json={"name": "x", "scopes": ["root"]})
    assert unknown.status_code == 422 and "read" in unknown.text
    default = (await bob.post("/api/tokens", json={"name": "plain"})).json()
    assert default["scopes"] == ["read"]


async def test_a_password_change_revokes_tokens_and_other_sessions(
    app: FastAPI, alice: UserClient
) -> None:
    token = await alice.new_token()
    async with client_for(app) as other:
        await login_user(other, alice.email, alice.password)
        assert (await other.get("/api/me")).status_code == 200
        changed = await alice.post(
            "/api/me/password",
            json={"current_password": alice.password, "new_password": "a brand new passphrase"},
        )
        assert changed.status_code == 204, changed.text
        assert (await other.get("/api/me")).status_code == 401
        revoked = await other.get("/api/me", headers=_bearer(token))
        assert revoked.status_code == 401
    assert (await alice.get("/api/me")).status_code == 200
    assert (await alice.get("/api/tokens")).json() == []


async def test_settings_page_offers_scopes_and_warns_about_the_password(
    alice: UserClient,
) -> None:
    page = (await alice.get("/settings")).text
    assert "revokes your API tokens" in page
    assert 'value="trade"' in page and 'value="admin"' in page  # alice is the administrator
    made = await alice.http.post(
        "/settings/tokens",
        data={"name": "form", "scopes": ["read", "trade"], "csrf_token": alice.csrf},
    )
    assert made.status_code == 303, made.text
    assert "read trade" in (await alice.get("/settings")).text
