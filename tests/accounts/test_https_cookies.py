"""Cookies behind HTTPS: Secure (from the base URL or a trusted proxy's scheme), ``__Host-``
names on an https base URL, a fresh CSRF token at log-in, and the Origin of state-changing
requests checked against our own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from aicoach.accounts.security import SESSION_COOKIE
from aicoach.web.csrf import CSRF_COOKIE
from tests.conftest import client_for
from tests.helpers.users import UserClient, login_user, prime_csrf, signup_user

PASSWORD = "correct horse battery"


def _set_cookies(response: httpx.Response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.get_list("set-cookie")}


@pytest.fixture
async def https_app(app_factory: Any) -> AsyncIterator[FastAPI]:
    application: FastAPI = app_factory(base_url="https://coach.example.com")
    async with application.router.lifespan_context(application):
        yield application


async def test_https_base_url_over_a_plain_http_hop(https_app: FastAPI) -> None:
    """TLS ends at the proxy; the app sees http. Both cookies are still Secure, __Host-."""
    async with client_for(https_app) as http:  # http://testserver
        login_page = await http.get("/login")
        csrf = _set_cookies(login_page)[f"__Host-{CSRF_COOKIE}"]
        token = csrf.split(";", 1)[0].split("=", 1)[1]
        response = await http.post(
            "/signup",
            data={"email": "h@example.com", "password": PASSWORD, "csrf_token": token},
            headers={"Cookie": f"__Host-{CSRF_COOKIE}={token}"},
        )
    assert response.status_code == 303, response.text[:300]
    cookies = _set_cookies(response)
    session = cookies[f"__Host-{SESSION_COOKIE}"]
    for header in (csrf, session):
        assert "Secure" in header and "Path=/" in header and "Domain" not in header, header
    assert "HttpOnly" in session and "SameSite=lax" in session


async def test_a_trusted_proxy_saying_https_makes_cookies_secure(app: FastAPI) -> None:
    """The base URL is http, but the scheme a trusted proxy reported (uvicorn's proxy headers
    set it on the request) is https."""
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
        user = await signup_user(http, "p@example.com", PASSWORD)
        response = await user.form("/logout", {})
        assert response.status_code == 303
        response = await login_user(http, "p@example.com", PASSWORD)
    cookies = _set_cookies(response)
    assert "Secure" in cookies[SESSION_COOKIE]
    assert "Secure" in cookies[CSRF_COOKIE]


async def test_the_csrf_token_changes_at_log_in(app: FastAPI, alice: UserClient) -> None:
    await alice.form("/logout", {})
    async with client_for(app) as http:
        before = await prime_csrf(http)
        response = await login_user(http, alice.email, alice.password)
        assert response.status_code == 303
        after = http.cookies.get(CSRF_COOKIE)
        assert after and after != before
        # The new token works; the old one no longer does.
        ok = await http.post("/api/tokens", json={"name": "x"}, headers={"X-CSRF-Token": after})
        stale = await http.post("/api/tokens", json={"name": "y"}, headers={"X-CSRF-Token": before})
    assert ok.status_code == 201 and stale.status_code == 403


@pytest.mark.parametrize(
    ("header", "value", "accepted"),
    [
        ("Origin", "http://testserver", True),
        ("Origin", "http://127.0.0.1:8000", True),  # the base URL
        ("Origin", "https://evil.example.com", False),
        ("Origin", "null", False),
        ("Referer", "https://evil.example.com/page", False),
        ("Referer", "http://testserver/settings", True),
    ],
)
async def test_origin_of_state_changing_requests(
    alice: UserClient, header: str, value: str, accepted: bool
) -> None:
    response = await alice.post("/api/tokens", json={"name": "o"}, headers={header: value})
    assert (response.status_code == 201) is accepted, response.text
    if not accepted:
        assert response.status_code == 403 and "came from elsewhere" in response.text


async def test_a_bearer_call_needs_no_origin(alice: UserClient, app: FastAPI) -> None:
    token = await alice.new_token()
    async with client_for(app) as http:
        response = await http.post(
            "/api/watchlist",
            json={"symbol": "MSFT"},
            headers={"Authorization": f"Bearer {token}", "Origin": "https://elsewhere.example"},
        )
    assert response.status_code == 201
