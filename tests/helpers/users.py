"""Signed-up users for tests, and the isolation check every slice reuses.

``assert_owner_only`` proves that one user cannot read, change or delete another's row through
the API: later slices call it with their own URLs.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from aicoach.web.csrf import CSRF_COOKIE

_CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')


@dataclass
class UserClient:
    """A logged-in browser-like client: cookie session plus the CSRF header for API calls."""

    http: httpx.AsyncClient
    email: str
    password: str
    user_id: int = 0

    @property
    def csrf(self) -> str:
        return self.http.cookies.get(CSRF_COOKIE) or ""

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf, **(extra or {})}

    async def get(self, url: str, **kw: Any) -> httpx.Response:
        return await self.http.get(url, **kw)

    async def post(self, url: str, json: Any = None, **kw: Any) -> httpx.Response:
        return await self.http.post(
            url, json=json, headers=self._headers(kw.pop("headers", None)), **kw
        )

    async def patch(self, url: str, json: Any = None, **kw: Any) -> httpx.Response:
        return await self.http.patch(
            url, json=json, headers=self._headers(kw.pop("headers", None)), **kw
        )

    async def put(self, url: str, json: Any = None, **kw: Any) -> httpx.Response:
        return await self.http.put(
            url, json=json, headers=self._headers(kw.pop("headers", None)), **kw
        )

    async def delete(self, url: str, **kw: Any) -> httpx.Response:
        return await self.http.delete(url, headers=self._headers(kw.pop("headers", None)), **kw)

    async def form(self, url: str, data: dict[str, str]) -> httpx.Response:
        return await self.http.post(url, data={**data, "csrf_token": self.csrf})

    async def new_token(self, name: str = "test", scopes: tuple[str, ...] = ("trade",)) -> str:
        """A token that can do what a token could before scopes (``trade``) unless told."""
        response = await self.post("/api/tokens", json={"name": name, "scopes": list(scopes)})
        assert response.status_code == 201, response.text
        token: str = response.json()["token"]
        return token


async def prime_csrf(http: httpx.AsyncClient) -> str:
    response = await http.get("/login")
    match = _CSRF_META.search(response.text)
    return match.group(1) if match else (http.cookies.get(CSRF_COOKIE) or "")


async def signup_user(
    http: httpx.AsyncClient, email: str, password: str, invite_code: str = ""
) -> UserClient:
    csrf = await prime_csrf(http)
    data = {"email": email, "password": password, "csrf_token": csrf, "invite_code": invite_code}
    response = await http.post("/signup", data=data)
    assert response.status_code == 303, response.text[:500]
    me = await http.get("/api/me")
    assert me.status_code == 200, me.text
    return UserClient(http, email, password, me.json()["id"])


async def login_user(http: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    csrf = await prime_csrf(http)
    return await http.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf}
    )


async def assert_owner_only(
    owner: UserClient,
    other: UserClient,
    *,
    create: Callable[[UserClient], Awaitable[dict[str, Any]]],
    item_url: Callable[[dict[str, Any]], str],
    list_url: str | None = None,
    update: tuple[str, dict[str, Any]] | None = None,
    delete: bool = True,
) -> dict[str, Any]:
    """The owner's new row is invisible and untouchable for ``other``: reads and writes on it
    answer 404 (not 403: no hint that it exists), lists omit it, and it survives the attempts."""
    item = await create(owner)
    url = item_url(item)
    assert (await other.get(url)).status_code == 404
    if list_url is not None:
        listed = (await other.get(list_url)).json()
        rows = listed if isinstance(listed, list) else listed.get("items", [])
        assert all(row.get("id") != item.get("id") for row in rows)
    if update is not None:
        method, body = update
        response = await (other.patch if method == "PATCH" else other.put)(url, json=body)
        assert response.status_code == 404, response.text
    if delete:
        assert (await other.delete(url)).status_code == 404
    assert (await owner.get(url)).status_code == 200, "the owner's row must survive"
    return item
